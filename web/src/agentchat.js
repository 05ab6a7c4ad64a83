// Conversations with the server's agents (docs/protocol.md,
// "Conversations with agents"), beside the chat they live in: `talk` and
// `untalk` out; `talking` (a conversation opened, closed or refused),
// `asked` (a question stored or refused), `reply` (the answer as it
// streams in) and an agent's `chat` (the answer as stored) in.
//
// The tabs and their messages are the chat's (chat.js, chatclient.js): an
// agent's session is a tab like any other, its questions typed there go
// out as `ask`. What only agents have is kept here: which conversations
// are open, the agents' names and roles as `talking` told them, each
// session's answer on its way (a typing indicator until its first piece,
// then the pieces so far, until the stored answer replaces them) and why
// ask anyone chose the agent it did. No DOM: the chat panel draws it; what
// the rest of the page must do about a message (a notice, the zone's
// agent let go, a path to draw) comes back from handle().

import { asSentence } from "./api.js";
import { displayName } from "./zones.js";

const isText = (value) => typeof value === "string" && value !== "";

// What a refused `talk` says when the server sent no message, by code.
export const REFUSALS = {
  too_far: (name) => `${name} is too far away.`,
  unknown_agent: (name) => `${name} is not here.`,
};

export class AgentChat {
  // state: chat.js's ChatState; client: chatclient.js's ChatClient;
  // send(message): onto the WebSocket, false when not connected;
  // onOpened(key, focus): a conversation opened in the tab `key`: show
  //   the chat on it (focus: the player asked with a key or a click, and
  //   will type next).
  constructor({ state, client, send, onOpened = () => {} }) {
    this.state = state;
    this.client = client;
    this.send = send;
    this.onOpened = onOpened;
    // The conversation opened last: { agent, session }, or null.
    this.conversation = null;
    // The agents whose conversation with the player is open, by id (one
    // at most: opening one closes the one before).
    this.open = new Set();
    // What `talking` said of each agent: id -> { name, role, avatar }.
    this.known = new Map();
    // Answers on their way, by session: { agent, text, typing }.
    this.streams = new Map();
    // How many pieces of answers have come, in all (for tests: an answer
    // that streamed came in more than one).
    this.pieces = 0;
    // Why ask anyone chose its agent, by the id of the question.
    this.reasons = new Map();
    // Agents the player asked to talk to with a key or a click.
    this.focusNext = new Set();
  }

  // The agent's name as the page knows it.
  nameOf(agent) {
    return this.known.get(agent)?.name ?? displayName(agent ?? "");
  }

  // Ask to talk with an agent (the interact key or a click near it, or
  // its zone's agent.open); false when it could not be sent.
  talk(agent, { focus = false } = {}) {
    if (!isText(agent) || !this.send({ t: "talk", agent })) return false;
    if (focus) this.focusNext.add(agent);
    return true;
  }

  // Close the conversation with an agent, if it is open.
  untalk(agent) {
    if (!this.open.has(agent)) return false;
    return this.send({ t: "untalk", agent });
  }

  // A message from the WebSocket: `talking`, `asked`, `reply`, or a
  // `chat` of kind agent. Returns what the rest of the page must do, or
  // null: { notice } (a refusal to show briefly), { closed } (the agent
  // whose conversation ended), { opened } (the agent whose conversation
  // opened, with closed: the one it replaced), { guide } (a stored
  // answer's guide, to draw).
  handle(message) {
    switch (message?.t) {
      case "talking":
        return this.talking(message);
      case "asked":
        return this.asked(message);
      case "reply":
        return this.reply(message);
      case "chat":
        return this.answered(message);
      default:
        return null;
    }
  }

  talking(message) {
    const { agent } = message;
    if (!isText(agent)) return null;
    const focus = this.focusNext.delete(agent);
    if (message.error !== undefined) {
      const name = this.nameOf(agent);
      const why = isText(message.message) ? asSentence(message.message)
        : REFUSALS[message.error]?.(name) ?? `You cannot talk to ${name} now (${message.error}).`;
      return { notice: why };
    }
    if (message.open !== true) {
      this.open.delete(agent);
      this.client.changed();
      return { closed: agent };
    }
    if (!Number.isInteger(message.session)) return null;
    const before = this.known.get(agent);
    const name = isText(message.name) ? message.name : this.nameOf(agent);
    this.known.set(agent, {
      name,
      role: typeof message.role === "string" ? message.role : before?.role ?? "",
      avatar: typeof message.avatar === "string" ? message.avatar : before?.avatar ?? "",
    });
    // A player talks with one agent at a time: the server closed the
    // conversation before, if any, without a word of it.
    const replaced = [...this.open].find((other) => other !== agent);
    this.open.clear();
    this.open.add(agent);
    this.conversation = { agent, session: message.session };
    const key = this.client.openAgentSession({ session: message.session, agent, name });
    this.onOpened(key, focus);
    return replaced === undefined ? { opened: agent } : { opened: agent, closed: replaced };
  }

  // The question stored (or refused, shown with it as a refused `say`
  // is): the agent's answer is on its way.
  asked(message) {
    const result = this.state.asked(message);
    if (result === null) return null;
    if (message.error === undefined && Number.isInteger(message.session)) {
      const tab = this.state.tab(result.key);
      const agent = isText(message.agent) ? message.agent : tab?.agent ?? null;
      // The pieces, or even the whole answer, may have come first.
      const answered = [...(tab?.messages.values() ?? [])].some((stored) =>
        stored.id > message.id && typeof stored.from?.agent === "string");
      if (!answered && !this.streams.has(message.session)) {
        this.streams.set(message.session, { agent, text: "", typing: true });
      }
      if (isText(message.reason) && Number.isInteger(message.id)) this.reasons.set(message.id, message.reason);
    }
    if (!result.known) this.client.loadSessions();
    this.client.changed();
    return null;
  }

  // The next piece of an answer.
  reply(message) {
    if (!Number.isInteger(message.session) || typeof message.piece !== "string") return null;
    let stream = this.streams.get(message.session);
    if (stream === undefined) {
      stream = { agent: isText(message.agent) ? message.agent : null, text: "", typing: true };
      this.streams.set(message.session, stream);
    }
    stream.text += message.piece;
    stream.typing = false;
    this.pieces += 1;
    this.client.changed();
    return null;
  }

  // The answer as stored: it replaces the pieces.
  answered(message) {
    if (Number.isInteger(message.session)) this.streams.delete(message.session);
    this.client.handle(message);
    const { guide } = message;
    return guide !== null && typeof guide === "object" ? { guide } : null;
  }

  // The connection dropped: no more pieces will come (the stored answers
  // are in the history when it is back), and the server closed the
  // conversation. Returns the agents whose conversation was open.
  connectionLost() {
    const closed = [...this.open];
    this.open.clear();
    this.streams.clear();
    this.focusNext.clear();
    this.client.changed();
    return closed;
  }

  // A welcome that is not a resumption (a door, a new avatar): the
  // conversations stayed behind.
  welcomed(welcome) {
    if (welcome.resumed || this.open.size === 0) return;
    this.open.clear();
    this.client.changed();
  }

  // What a tab shows: the chat's entries, each question ask anyone
  // answered followed by why, and the answer on its way last: { key,
  // streaming: true, typing, from: { agent, name }, text, ... }, typing
  // while no piece has come. A note is { key, note: true, text }.
  entries(key) {
    const entries = this.state.entries(key);
    const tab = this.state.tab(key);
    if (tab === null || tab.session === null) return entries;
    const shown = [];
    for (const entry of entries) {
      shown.push(entry);
      const reason = entry.id === null ? undefined : this.reasons.get(entry.id);
      if (reason !== undefined) {
        shown.push({ key: `n${entry.id}`, note: true, text: `Ask anyone: ${this.titleName(tab)} answers` });
      }
    }
    const stream = this.streams.get(tab.session);
    if (stream !== undefined) {
      const agent = stream.agent ?? tab.agent;
      shown.push({
        key: `r${tab.session}`, id: null, from: { agent, name: agent === tab.agent ? this.titleName(tab) : this.nameOf(agent) },
        text: stream.text, at: null, own: false, pending: true, error: null, streaming: true, typing: stream.typing,
      });
    }
    return shown;
  }

  // Whether an answer is on its way in a tab and no piece of it has come.
  typing(key) {
    const tab = this.state.tab(key);
    return tab !== null && tab.session !== null && this.streams.get(tab.session)?.typing === true;
  }

  // The heading of a conversation with an agent: { agent, title ("Scout —
  // the guide", or the name alone while the role is not known), open },
  // or null for a tab that is not one.
  header(key) {
    const tab = this.state.tab(key);
    if (tab === null || tab.kind !== "agent") return null;
    const name = this.titleName(tab);
    const role = this.known.get(tab.agent)?.role ?? "";
    return { agent: tab.agent, title: role ? `${name} — ${role}` : name, open: this.open.has(tab.agent) };
  }

  titleName(tab) {
    return this.known.get(tab.agent)?.name ?? tab.title;
  }

  // For the test hook: the conversation opened last ({ agent, session,
  // open }), and what the chat shows now: its tab's title and session,
  // whether an answer is being typed or streams, the last reason given
  // there, its messages ({ from: a name or null, agent: an agent's id or
  // null, text }: stored, then waiting) and the refusals shown.
  snapshot() {
    const key = this.state.selected;
    const tab = this.state.tab(key);
    const stream = tab?.session == null ? undefined : this.streams.get(tab.session);
    const entries = this.state.entries(key);
    let reason = null;
    for (const entry of entries) if (entry.id !== null && this.reasons.has(entry.id)) reason = this.reasons.get(entry.id);
    return {
      agent: this.conversation?.agent ?? null,
      open: this.conversation !== null && this.open.has(this.conversation.agent),
      session: this.conversation?.session ?? null,
      shown: { key, session: tab?.session ?? null, agent: tab?.agent ?? null,
        title: this.header(key)?.title ?? tab?.title ?? null },
      typing: stream?.typing ?? false,
      streaming: stream === undefined ? null : stream.text,
      reason,
      messages: entries.filter((entry) => entry.error === null).map((entry) => ({
        from: entry.from?.name ?? null, agent: entry.from?.agent ?? null, text: entry.text,
      })),
      errors: entries.filter((entry) => entry.error !== null).map((entry) => entry.error),
      pieces: this.pieces,
    };
  }
}
