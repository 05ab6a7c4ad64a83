// What the chat panel shows, as plain data: one tab per chat session the
// player is in (docs/api.md, "Chat history"), conversations with agents
// among them, the always-present Nearby tab (where to talk to whoever
// stands close, with this visit's nearby messages) and Ask anyone tab
// (a question for whichever agent is best placed to answer), drafts of
// direct chats not yet started, each tab's messages, unread counts and
// messages waiting for their `said` (or a question for its `asked`). No
// DOM and no I/O: every method is a state change, and those that need the
// server's help say what to ask for (chatclient.js asks; agentchat.js
// adds what only conversations with agents have).
//
// A message said here carries its own id (`cid`) and waits until the
// server has stored it: one the store could not take (`store_failed`), or
// whose connection dropped, or that could not go out at all, is sent
// again with the same cid (docs/protocol.md, "Chat", "Sending again";
// chatclient.js says when). Messages are kept by their id, so one the
// server delivers again shows once.

import { asSentence } from "./api.js";
import { displayName } from "./zones.js";

export const NEARBY = "nearby";
// The tab whose questions go to "ask anyone" (docs/protocol.md,
// "Conversations with agents").
export const ANYONE = "anyone";
export const PAGE_SIZE = 50;
export const MAX_TEXT = 500;
// The refusal that is no refusal: the store could not take the message,
// and it is sent again.
export const STORE_FAILED = "store_failed";

const CID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// A new message's own id: 22 random characters of A-Z a-z 0-9 - _ (132
// bits). getRandomValues, unlike randomUUID, works on a page served over
// plain http too.
export function randomCid(random = globalThis.crypto) {
  return Array.from(random.getRandomValues(new Uint8Array(22)), (byte) => CID_ALPHABET[byte & 63]).join("");
}

export const sessionKey = (id) => `s${id}`;
export const draftKey = (userId) => `u${userId}`;

// What a tab is called: zones by their place name, direct chats after the
// other person, nearby chats after the people who were near, an agent's
// after the agent (the session's title is its name).
export function sessionTitle(kind, title, participants, selfId) {
  const others = participants.filter((person) => person.id !== selfId);
  switch (kind) {
    case "zone":
      return displayName(title ?? "") || "Zone";
    case "direct":
      return others[0]?.name ?? "Direct message";
    case "nearby":
      return others.length ? `Nearby: ${others.map((person) => person.name).join(", ")}` : "Nearby (alone)";
    case "system":
      return "ark";
    case "agent":
      return title || "Agent";
    default:
      return title || "Chat";
  }
}

function validMessage(message) {
  return message !== null && typeof message === "object" && Number.isInteger(message.id) &&
    typeof message.text === "string";
}

function validPerson(person) {
  return person !== null && typeof person === "object" && Number.isInteger(person.id) &&
    typeof person.name === "string";
}

// Who said a message: a person, or an agent ({agent, name, avatar}).
function validSender(sender) {
  return validPerson(sender) || (sender !== null && typeof sender === "object" &&
    typeof sender.agent === "string" && typeof sender.name === "string");
}

function newTab(key, fields) {
  return {
    key,
    kind: "nearby",
    session: null,
    title: "",
    participants: [],
    // The user a direct chat goes to.
    to: null,
    // The agent's id, in a conversation with an agent.
    agent: null,
    messages: new Map(),
    // Said by this page, not yet stored: {first, ref, kind, text, to, cid,
    // failures, error}. first: the ref it was first sent with; ref: the
    // one whose answer it waits for, null while it waits to be sent again;
    // cid: its own id (null for a question to an agent); failures: how
    // many times the store could not take it; error: why it was refused,
    // or null while it is on its way.
    pending: [],
    unread: 0,
    // The newest message id known in this session, for ordering tabs.
    lastId: 0,
    // History: whether the newest page came, the oldest id paged back
    // to, and whether the server has older ones.
    loaded: false,
    loading: false,
    oldestLoaded: null,
    more: false,
    ...fields,
  };
}

// The `say` that sends a pending message, with the ref it waits on.
function sayOf(entry) {
  const message = { t: "say", ref: entry.ref, kind: entry.kind, text: entry.text, cid: entry.cid };
  if (entry.kind === "direct") message.to = entry.to;
  return message;
}

export class ChatState {
  // self: the signed-in user {id, name, avatar}; newCid(): a new
  // message's own id (randomCid; tests pass a predictable one).
  constructor(self, { newCid = randomCid } = {}) {
    this.self = self;
    this.newCid = newCid;
    this.tabs = new Map([
      [NEARBY, newTab(NEARBY, { title: "Nearby", loaded: true })],
      [ANYONE, newTab(ANYONE, { kind: ANYONE, title: "Ask anyone", loaded: true })],
    ]);
    this.selected = NEARBY;
    // The tab whose newest message the player can see right now, or null.
    this.viewing = null;
    this.nextRef = 1;
    // ref -> key of the tab the message was typed in.
    this.pendingRefs = new Map();
    // A problem to show the player (a failed load), or null.
    this.notice = null;
  }

  get nearby() {
    return this.tabs.get(NEARBY);
  }

  tab(key) {
    return this.tabs.get(key) ?? null;
  }

  tabForSession(id) {
    return this.tabs.get(sessionKey(id)) ?? null;
  }

  // Nearby first, Ask anyone, then drafts, then sessions by latest
  // activity.
  orderedTabs() {
    const tier = (tab) => (tab.key === NEARBY ? 0 : tab.key === ANYONE ? 1 : tab.session === null ? 2 : 3);
    return [...this.tabs.values()].sort((a, b) => tier(a) - tier(b) || b.lastId - a.lastId);
  }

  // Unread messages in sessions, for a closed panel's badge (the Nearby
  // tab's own count repeats its sessions' and is not added).
  get totalUnread() {
    let total = 0;
    for (const tab of this.tabs.values()) if (tab.key !== NEARBY) total += tab.unread;
    return total;
  }

  select(key) {
    if (this.tabs.has(key)) this.selected = key;
  }

  // Whether the player can type in this tab (nobody answers the system).
  canSend(key) {
    const tab = this.tabs.get(key);
    return tab !== undefined && tab.kind !== "system" && (tab.kind !== "direct" || tab.to !== null) &&
      (tab.kind !== "agent" || tab.agent !== null);
  }

  // GET /api/chat/sessions: add tabs for new sessions, bring titles,
  // participants and unread counts up to date.
  setSessions(sessions) {
    for (const session of sessions) {
      if (session === null || typeof session !== "object" || !Number.isInteger(session.id)) continue;
      const participants = Array.isArray(session.participants) ? session.participants.filter(validPerson) : [];
      const tab = this._sessionTab(session.id, session.kind, participants);
      tab.kind = session.kind;
      tab.participants = participants;
      tab.title = sessionTitle(session.kind, session.title, participants, this.self.id);
      tab.to = session.kind === "direct" ? participants.find((p) => p.id !== this.self.id)?.id ?? null : null;
      if (session.kind === "agent" && typeof session.agent === "string") tab.agent = session.agent;
      if (Number.isInteger(session.unread)) tab.unread = session.unread;
      if (validMessage(session.lastMessage)) tab.lastId = Math.max(tab.lastId, session.lastMessage.id);
    }
  }

  // A direct chat with this user {id, name}: the session if there is one,
  // else a draft that becomes the session with the first message.
  openDirect(user) {
    for (const tab of this.tabs.values()) {
      if (tab.kind === "direct" && tab.to === user.id) {
        this.selected = tab.key;
        return tab.key;
      }
    }
    const key = draftKey(user.id);
    this.tabs.set(key, newTab(key, {
      kind: "direct", title: user.name, to: user.id, loaded: true,
      participants: [this.self, { id: user.id, name: user.name, avatar: user.avatar ?? "" }],
    }));
    this.selected = key;
    return key;
  }

  // The conversation with an agent in this session ({session, agent,
  // name}), as `talking` opened it: its tab, made if new, is selected.
  // Returns the tab's key.
  openAgentSession({ session, agent, name }) {
    const tab = this._sessionTab(session, "agent", []);
    tab.kind = "agent";
    tab.agent = agent;
    tab.title = sessionTitle("agent", name, [], this.self.id);
    this.selected = tab.key;
    return tab.key;
  }

  // A page of history ({messages, more}, oldest first), newest page or an
  // older one: merged by id, so pages that overlap live messages or each
  // other add nothing twice.
  addPage(key, page) {
    const tab = this.tabs.get(key);
    if (tab === undefined) return;
    const messages = (Array.isArray(page.messages) ? page.messages : []).filter(validMessage);
    for (const message of messages) this._keep(tab, message);
    const first = messages.length ? Math.min(...messages.map((m) => m.id)) : null;
    if (first === null) {
      if (tab.oldestLoaded === null) tab.more = false;
    } else if (tab.oldestLoaded === null || first <= tab.oldestLoaded) {
      // This page reaches furthest back: it tells whether more remain.
      tab.oldestLoaded = first;
      tab.more = page.more === true;
    }
    tab.loaded = true;
  }

  // A live `chat`. Returns {key, known, read}: known is false when the
  // session was new to this page (ask for the sessions again to name it),
  // read the {session, upTo} to mark read when the player saw it at once.
  receive(chat) {
    const from = validSender(chat.from) ? chat.from : null;
    const agent = chat.kind === "agent" && typeof from?.agent === "string" ? from : null;
    let tab = this.tabForSession(chat.session);
    let known = tab !== null;
    if (tab === null && chat.kind === "direct" && from !== null && this.tabs.has(draftKey(from.id))) {
      tab = this._adopt(this.tabs.get(draftKey(from.id)), chat.session);
      known = true;
    }
    if (tab === null) {
      const participants = validPerson(from) ? [this.self, from] : [];
      tab = this._sessionTab(chat.session, chat.kind, participants);
      tab.title = sessionTitle(chat.kind, agent?.name ?? "", participants, this.self.id);
    }
    if (agent !== null && tab.kind === "agent" && tab.agent === null) tab.agent = agent.agent;
    const message = { id: chat.id, session: chat.session, from, text: chat.text, at: chat.at };
    if (!validMessage(message) || tab.messages.has(message.id)) return { key: tab.key, known, read: null };
    this._keep(tab, message);
    const nearby = chat.kind === "nearby";
    if (nearby) this.nearby.messages.set(message.id, message);
    const seen = this.viewing === tab.key || (nearby && this.viewing === NEARBY);
    if (seen) return { key: tab.key, known, read: { session: chat.session, upTo: message.id } };
    tab.unread += 1;
    if (nearby) this.nearby.unread += 1;
    return { key: tab.key, known, read: null };
  }

  // What to send for text typed in a tab: the `say` message (its ref
  // numbered here, its cid made here), an `ask` in a conversation with an
  // agent or in Ask anyone, or null when there is nothing to send.
  compose(key, text) {
    const tab = this.tabs.get(key);
    const trimmed = typeof text === "string" ? text.trim() : "";
    if (tab === undefined || trimmed === "" || !this.canSend(key)) return null;
    const ref = this.nextRef++;
    const entry = {
      first: ref, ref, kind: tab.kind, text: trimmed, to: tab.kind === "direct" ? tab.to : null, cid: null,
      failures: 0, error: null,
    };
    let message;
    if (tab.kind === "agent") message = { t: "ask", ref, agent: tab.agent, text: trimmed };
    else if (tab.kind === ANYONE) message = { t: "ask", ref, text: trimmed };
    else {
      entry.cid = this.newCid();
      message = sayOf(entry);
    }
    tab.pending.push(entry);
    this.pendingRefs.set(ref, key);
    return message;
  }

  // The `say` for a message waiting to be sent again: the same cid, a new
  // ref; null when it waits no more (stored, or refused).
  resend(cid) {
    const found = this._unsaid(cid);
    if (found === null) return null;
    const { tab, entry } = found;
    if (entry.ref !== null) this.pendingRefs.delete(entry.ref);
    entry.ref = this.nextRef++;
    this.pendingRefs.set(entry.ref, tab.key);
    return sayOf(entry);
  }

  // The cids of the messages said here and neither stored nor refused
  // yet, in the order they were typed: what to send again when the
  // connection is back.
  unsaid() {
    const entries = [];
    for (const tab of this.tabs.values()) {
      for (const entry of tab.pending) if (entry.cid !== null && entry.error === null) entries.push(entry);
    }
    return entries.sort((a, b) => a.first - b.first).map((entry) => entry.cid);
  }

  // An `asked`: as a `said`, and the session it went to is the agent's
  // (ask anyone's answer names the agent, and the view follows it there).
  asked(asked) {
    const result = this.said(asked);
    if (result === null || asked.error !== undefined || typeof asked.agent !== "string") return result;
    const tab = this.tabs.get(result.key);
    if (tab.kind === "agent" && tab.agent === null) {
      tab.agent = asked.agent;
      // Named by its id until the sessions list brings its name.
      if (tab.title === sessionTitle("agent", "", [], this.self.id)) tab.title = displayName(asked.agent);
    }
    return result;
  }

  // A `said` (or an `asked`): the pending message takes its id, time and
  // stored text (or shows the refusal). Returns {key, known} (known:
  // false when it went to a session this page did not know), or null for
  // a ref not ours. A `say` the store could not take is no refusal: it
  // waits, and the answer has resend: {cid, failures} (how many times
  // the store could not take it) for sending it again later.
  said(said) {
    const origin = this.pendingRefs.get(said.ref);
    if (origin === undefined) return null;
    this.pendingRefs.delete(said.ref);
    const tab = this.tabs.get(origin);
    const entry = tab.pending.find((p) => p.ref === said.ref);
    if (said.error === STORE_FAILED && entry.cid !== null) {
      entry.ref = null;
      entry.failures += 1;
      return { key: origin, known: true, resend: { cid: entry.cid, failures: entry.failures } };
    }
    if (said.error !== undefined) {
      entry.error = typeof said.message === "string" && said.message.trim() ? asSentence(said.message) : String(said.error);
      return { key: origin, known: true };
    }
    tab.pending = tab.pending.filter((p) => p !== entry);
    const message = { id: said.id, session: said.session, from: this.self, text: said.text, at: said.at };
    let target = this.tabForSession(said.session);
    let known = target !== null;
    if (target === null && tab.kind === "direct" && tab.session === null) {
      target = this._adopt(tab, said.session);
      known = true;
    } else if (target === null) {
      // Ask anyone's question went to an agent's session.
      const kind = entry.kind === ANYONE ? "agent" : entry.kind;
      target = this._sessionTab(said.session, kind, [this.self]);
      target.title = sessionTitle(kind, "", [], this.self.id);
    }
    // Kept by id: a message the page shows already (the history brought
    // it, or it was stored before a `said` that was lost) shows once.
    if (validMessage(message)) {
      this._keep(target, message);
      if (entry.kind === "nearby") this.nearby.messages.set(message.id, message);
    }
    // Said from a nearby or zone tab whose group or place has changed
    // since, or asked in Ask anyone: the message went elsewhere, and the
    // view follows it.
    if (target.key !== tab.key && tab.key !== NEARBY && this.selected === tab.key) this.selected = target.key;
    return { key: target.key, known };
  }

  // The message could not go out, or its answer will not come: a `say`
  // waits to be sent again (resend), a question fails with the reason.
  sendFailed(ref, reason) {
    const origin = this.pendingRefs.get(ref);
    if (origin === undefined) return;
    this.pendingRefs.delete(ref);
    const entry = this.tabs.get(origin).pending.find((p) => p.ref === ref);
    if (entry.cid !== null) entry.ref = null;
    else entry.error = reason;
  }

  // The connection dropped: no `said` (nor `asked`) will come for what was
  // on its way. What was said waits for the connection to come back.
  connectionLost() {
    for (const ref of [...this.pendingRefs.keys()]) {
      this.sendFailed(ref, "Not sent: the connection was lost.");
    }
  }

  // Put away a message that was refused.
  dismiss(key, ref) {
    const tab = this.tabs.get(key);
    if (tab !== undefined) tab.pending = tab.pending.filter((p) => p.ref !== ref || p.error === null);
  }

  // The tab the player now sees down to its newest message (null: none).
  // Returns the {session, upTo} read marks to send.
  view(key) {
    this.viewing = key;
    const tab = key === null ? undefined : this.tabs.get(key);
    if (tab === undefined) return [];
    if (key === NEARBY) {
      tab.unread = 0;
      const newest = new Map();
      for (const message of tab.messages.values()) {
        newest.set(message.session, Math.max(newest.get(message.session) ?? 0, message.id));
      }
      const marks = [];
      for (const [session, upTo] of newest) {
        const sessionTab = this.tabForSession(session);
        if (sessionTab !== null && sessionTab.unread > 0) {
          sessionTab.unread = 0;
          marks.push({ session, upTo });
        }
      }
      return marks;
    }
    if (tab.session === null || tab.unread === 0 || tab.lastId === 0) return [];
    tab.unread = 0;
    return [{ session: tab.session, upTo: tab.lastId }];
  }

  // The server's unread count after a read mark up to upTo; messages from
  // others that came after the mark still count.
  readAnswered(session, unread, upTo) {
    const tab = this.tabForSession(session);
    if (tab === null || !Number.isInteger(unread)) return;
    let later = 0;
    for (const message of tab.messages.values()) {
      if (message.id > upTo && message.from?.id !== this.self.id) later += 1;
    }
    tab.unread = this.viewing === tab.key ? 0 : Math.max(unread, later);
  }

  // What a tab shows, in order: stored messages by id, then what waits.
  entries(key) {
    const tab = this.tabs.get(key);
    if (tab === undefined) return [];
    const stored = [...tab.messages.values()].sort((a, b) => a.id - b.id).map((message) => ({
      key: `m${message.id}`, ...message, own: message.from?.id === this.self.id, pending: false, error: null,
    }));
    const waiting = tab.pending.map((entry) => ({
      key: `p${entry.first}`, ref: entry.ref, id: null, from: this.self, text: entry.text, at: null,
      own: true, pending: entry.error === null, error: entry.error,
    }));
    return stored.concat(waiting);
  }

  // The tab and entry of a message said here that is neither stored nor
  // refused, by its cid; null when there is none.
  _unsaid(cid) {
    for (const tab of this.tabs.values()) {
      const entry = tab.pending.find((p) => p.cid === cid && p.error === null);
      if (entry !== undefined) return { tab, entry };
    }
    return null;
  }

  _keep(tab, message) {
    tab.messages.set(message.id, message);
    tab.lastId = Math.max(tab.lastId, message.id);
  }

  _sessionTab(id, kind, participants) {
    const key = sessionKey(id);
    let tab = this.tabs.get(key);
    if (tab === undefined && kind === "direct") {
      const other = participants.find((p) => p.id !== this.self.id);
      const draft = other === undefined ? undefined : this.tabs.get(draftKey(other.id));
      if (draft !== undefined) return this._adopt(draft, id);
    }
    if (tab === undefined) {
      tab = newTab(key, { kind, session: id, participants });
      this.tabs.set(key, tab);
    }
    return tab;
  }

  // A draft's first message made the session: the draft becomes its tab.
  _adopt(draft, id) {
    const key = sessionKey(id);
    this.tabs.delete(draft.key);
    for (const [ref, origin] of this.pendingRefs) if (origin === draft.key) this.pendingRefs.set(ref, key);
    if (this.selected === draft.key) this.selected = key;
    if (this.viewing === draft.key) this.viewing = key;
    draft.key = key;
    draft.session = id;
    // Its history is the server's from now on (it may hold messages the
    // other person sent before this page opened the draft).
    draft.loaded = false;
    this.tabs.set(key, draft);
    return draft;
  }
}
