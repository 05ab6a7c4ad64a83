// Conversations with agents: talk and untalk sent, `talking` opening the
// chat on the agent's session (or refused, or closed), questions asked,
// the answer typed then streamed then replaced by the stored one, ask
// anyone's reason, and what the page is asked to do.
import { test } from "node:test";
import assert from "node:assert/strict";

import { AgentChat } from "../src/agentchat.js";
import { ANYONE, ChatState, NEARBY, sessionKey } from "../src/chat.js";
import { ChatClient } from "../src/chatclient.js";

const ADA = { id: 1, name: "Ada", avatar: "fox" };
const SCOUT = { agent: "scout", name: "Scout", avatar: "explorer" };
const SAGE = { agent: "sage", name: "Sage", avatar: "gardener" };

const settle = () => new Promise((resolve) => setImmediate(resolve));

// A page's chat with a history API over `store` (session id -> messages).
function setup({ store = {}, connected = true } = {}) {
  const state = new ChatState(ADA);
  const sent = [];
  const send = (message) => {
    if (connected) sent.push(message);
    return connected;
  };
  const api = async (url) => {
    if (url === "/api/chat/sessions") return { sessions: [] };
    const page = url.match(/^\/api\/chat\/sessions\/(\d+)\/messages/);
    if (page) return { messages: store[page[1]] ?? [], more: false };
    return { unread: 0 };
  };
  let changes = 0;
  const client = new ChatClient({ state, api, send, onChange: () => { changes += 1; } });
  const opened = [];
  const agents = new AgentChat({ state, client, send, onOpened: (key, focus) => opened.push([key, focus]) });
  return { state, client, agents, sent, opened, changes: () => changes };
}

const talking = (fields = {}) => ({
  t: "talking", agent: "scout", open: true, name: "Scout", role: "the guide", avatar: "explorer", session: 70, ...fields,
});
const answer = (id, session, from, text, extra = {}) => ({ t: "chat", session, kind: "agent", id, from, text, at: id, ...extra });
const texts = (agents, key) => agents.entries(key).map((entry) => entry.text);

test("talk and untalk go out; untalk only for a conversation that is open", () => {
  const { agents, sent } = setup();
  assert.equal(agents.talk("scout"), true);
  assert.equal(agents.talk(""), false);
  assert.equal(agents.untalk("scout"), false, "not open yet");
  agents.handle(talking());
  assert.equal(agents.untalk("scout"), true);
  assert.deepEqual(sent, [{ t: "talk", agent: "scout" }, { t: "untalk", agent: "scout" }]);
  const offline = setup({ connected: false });
  assert.equal(offline.agents.talk("scout"), false);
});

test("talking opens the chat on the agent's session, loads its history and heads it with name and role", async () => {
  const store = { 70: [answer(5, 70, SCOUT, "Hello, I am Scout.")] };
  const { state, agents, opened } = setup({ store });
  agents.talk("scout", { focus: true });
  assert.deepEqual(agents.handle(talking()), { opened: "scout" });
  await settle();
  const key = sessionKey(70);
  assert.deepEqual(opened, [[key, true]], "asked with a key: ready to type");
  assert.equal(state.selected, key);
  assert.equal(state.tab(key).title, "Scout", "the tab is the agent's name");
  assert.deepEqual(agents.header(key), { agent: "scout", title: "Scout — the guide", open: true });
  assert.deepEqual(texts(agents, key), ["Hello, I am Scout."]);
  assert.equal(agents.header(NEARBY), null);
  // Opened by its zone (no key or click of the player's): no focus.
  agents.handle(talking());
  assert.deepEqual(opened.at(-1), [key, false]);
});

test("one conversation at a time: talking to another agent closes the one before", () => {
  const { agents } = setup();
  agents.handle(talking());
  assert.deepEqual(agents.handle(talking({ agent: "sage", name: "Sage", role: "the adviser", session: 71 })),
    { opened: "sage", closed: "scout" });
  assert.equal(agents.header(sessionKey(70)).open, false);
  assert.equal(agents.header(sessionKey(71)).open, true);
  assert.deepEqual(agents.handle(talking({ agent: "sage", name: "Sage", role: "the adviser", session: 71 })),
    { opened: "sage" }, "the same one again replaces nothing");
  assert.equal(agents.untalk("scout"), false);
});

test("a refused talk is a notice naming the agent; a closed one stays usable, marked closed", () => {
  const { state, agents, sent } = setup();
  assert.deepEqual(agents.handle({ t: "talking", agent: "scout", error: "too_far", message: "Scout is too far away" }),
    { notice: "Scout is too far away." });
  assert.deepEqual(agents.handle({ t: "talking", agent: "scout", error: "too_far" }), { notice: "Scout is too far away." });
  assert.deepEqual(agents.handle({ t: "talking", agent: "bard", error: "unknown_agent" }), { notice: "Bard is not here." });
  assert.match(agents.handle({ t: "talking", agent: "scout", error: "odd" }).notice, /Scout.*odd/);
  agents.handle(talking());
  assert.deepEqual(agents.handle({ t: "talking", agent: "scout", open: false }), { closed: "scout" });
  const key = sessionKey(70);
  assert.deepEqual(agents.header(key), { agent: "scout", title: "Scout — the guide", open: false });
  // Asking from afar is allowed.
  assert.equal(state.canSend(key), true);
  assert.deepEqual(state.compose(key, "still there?"), { t: "ask", ref: 1, agent: "scout", text: "still there?" });
  assert.equal(agents.untalk("scout"), false);
  assert.deepEqual(sent, []);
  assert.equal(agents.handle({ t: "talking" }), null, "no agent: nothing");
  assert.equal(agents.handle({ t: "talking", agent: "scout", open: true }), null, "no session: nothing");
});

test("a question shows as stored, then the agent typing, then its words, then the stored answer", () => {
  const { state, client, agents } = setup();
  agents.handle(talking());
  const key = sessionKey(70);
  client.say("where is the cafe?");
  agents.handle({ t: "asked", ref: 1, agent: "scout", session: 70, id: 80, at: 1, text: "where is the ****?" });
  assert.equal(agents.typing(key), true);
  const [question, typing] = agents.entries(key);
  assert.deepEqual([question.text, question.own, question.pending], ["where is the ****?", true, false]);
  assert.deepEqual([typing.streaming, typing.typing, typing.text, typing.from.name], [true, true, "", "Scout"]);

  agents.handle({ t: "reply", session: 70, agent: "scout", piece: "The cafe is " });
  agents.handle({ t: "reply", session: 70, agent: "scout", piece: "east." });
  assert.equal(agents.typing(key), false);
  assert.deepEqual(texts(agents, key), ["where is the ****?", "The cafe is east."]);
  assert.equal(agents.entries(key)[1].pending, true);

  assert.equal(agents.handle(answer(81, 70, SCOUT, "The cafe is east, past the fountain.")), null);
  assert.deepEqual(texts(agents, key), ["where is the ****?", "The cafe is east, past the fountain."]);
  assert.equal(agents.entries(key)[1].streaming, undefined);
  assert.equal(state.tab(key).unread, 1, "unread until the player sees it, as any message");
});

test("pieces, or the whole answer, that come before the question's asked are not undone by it", () => {
  const { client, agents } = setup();
  agents.handle(talking());
  const key = sessionKey(70);
  client.say("quick?");
  agents.handle({ t: "reply", session: 70, agent: "scout", piece: "Yes" });
  agents.handle({ t: "asked", ref: 1, agent: "scout", session: 70, id: 80, at: 1, text: "quick?" });
  assert.deepEqual(texts(agents, key), ["quick?", "Yes"]);
  assert.equal(agents.typing(key), false);
  client.say("quicker?");
  agents.handle(answer(83, 70, SCOUT, "Yes!"));
  agents.handle({ t: "asked", ref: 2, agent: "scout", session: 70, id: 82, at: 2, text: "quicker?" });
  assert.equal(agents.typing(key), false, "answered already: no one types");
  assert.equal(agents.streams.has(70), false);
});

test("a refused question shows its error inline, and no one types", () => {
  const { client, agents } = setup();
  agents.handle(talking());
  client.say("again?");
  agents.handle({ t: "asked", ref: 1, error: "agent_busy", message: "Scout has too many questions waiting" });
  const key = sessionKey(70);
  assert.equal(agents.typing(key), false);
  assert.deepEqual(agents.entries(key).map((e) => e.error), ["Scout has too many questions waiting."]);
  assert.equal(agents.handle({ t: "asked", ref: 42, session: 70, id: 1, text: "?" }), null, "not ours");
});

test("several sessions stream at once, each its own answer", () => {
  const { client, agents, sent } = setup();
  agents.handle(talking());
  client.say("a");
  agents.handle(talking({ agent: "sage", name: "Sage", role: "the adviser", session: 71 }));
  client.say("b");
  assert.deepEqual(sent.map((m) => [m.ref, m.agent]), [[1, "scout"], [2, "sage"]]);
  agents.handle({ t: "asked", ref: 1, agent: "scout", session: 70, id: 90, at: 1, text: "a" });
  agents.handle({ t: "asked", ref: 2, agent: "sage", session: 71, id: 91, at: 1, text: "b" });
  agents.handle({ t: "reply", session: 71, agent: "sage", piece: "Patience." });
  agents.handle({ t: "reply", session: 70, agent: "scout", piece: "North" });
  assert.deepEqual(texts(agents, sessionKey(70)), ["a", "North"]);
  assert.deepEqual(texts(agents, sessionKey(71)), ["b", "Patience."]);
  assert.equal(agents.entries(sessionKey(71))[1].from.name, "Sage");
  agents.handle(answer(92, 71, SAGE, "Patience, friend."));
  assert.deepEqual(texts(agents, sessionKey(71)), ["b", "Patience, friend."]);
  assert.deepEqual(texts(agents, sessionKey(70)), ["a", "North"], "the other still streams");
  // Pieces of an answer no question of this page started still show.
  agents.handle({ t: "reply", session: 72, agent: "trends", piece: "Hi" });
  assert.equal(agents.streams.get(72).text, "Hi");
});

test("ask anyone: the chat follows the question to the agent who answers, and says why", () => {
  const { state, client, agents, changes } = setup();
  client.select(ANYONE);
  client.say("where can I get coffee?");
  const before = changes();
  agents.handle({ t: "asked", ref: 1, agent: "scout", reason: "Scout knows every street", session: 73, id: 95, at: 1,
    text: "where can I get coffee?" });
  assert.ok(changes() > before);
  const key = sessionKey(73);
  assert.equal(state.selected, key);
  assert.deepEqual(agents.entries(key).map((e) => [e.note ?? false, e.text]), [
    [false, "where can I get coffee?"],
    [true, "Ask anyone: Scout answers"],
    [false, ""],
  ]);
  assert.equal(agents.typing(key), true);
  assert.equal(agents.snapshot().reason, "Scout knows every street");
});

test("an answer's guide is handed on; a lost connection ends the answers on their way", () => {
  const { agents } = setup();
  agents.handle(talking());
  agents.handle({ t: "reply", session: 70, agent: "scout", piece: "This" });
  const guide = { place: "cafe", map: "town.tmj", path: [[10, 10], [40, 10]] };
  assert.deepEqual(agents.handle(answer(96, 70, SCOUT, "This way.", { guide })), { guide });
  agents.handle({ t: "reply", session: 70, agent: "scout", piece: "And" });
  assert.deepEqual(agents.connectionLost(), ["scout"], "the server closes the conversation with the connection");
  assert.deepEqual(texts(agents, sessionKey(70)), ["This way."]);
  assert.equal(agents.header(sessionKey(70)).open, false);
  assert.deepEqual(agents.connectionLost(), []);
  assert.equal(agents.handle({ t: "somethingelse" }), null);
});

test("a door leaves the conversations behind; a resumption keeps them", () => {
  const { agents } = setup();
  agents.handle(talking());
  agents.welcomed({ resumed: true });
  assert.equal(agents.snapshot().open, true);
  agents.welcomed({ resumed: false, moved: true });
  assert.equal(agents.snapshot().open, false);
  assert.equal(agents.untalk("scout"), false, "nothing left to close");
});

test("the snapshot: the conversation, and what the chat shows now", () => {
  const { client, agents } = setup();
  assert.deepEqual(agents.snapshot(), {
    agent: null, open: false, session: null,
    shown: { key: NEARBY, session: null, agent: null, title: "Nearby" },
    typing: false, streaming: null, reason: null, messages: [], errors: [], pieces: 0,
  });
  agents.handle(talking());
  client.say("where is the cafe?");
  agents.handle({ t: "asked", ref: 1, agent: "scout", session: 70, id: 80, at: 1, text: "where is the cafe?" });
  client.handle(answer(79, 70, SCOUT, "Hello, I am Scout."));
  client.say("and the library?");
  assert.deepEqual(agents.snapshot(), {
    agent: "scout", open: true, session: 70,
    shown: { key: sessionKey(70), session: 70, agent: "scout", title: "Scout — the guide" },
    typing: true, streaming: "", reason: null,
    messages: [
      { from: "Scout", agent: "scout", text: "Hello, I am Scout." },
      { from: "Ada", agent: null, text: "where is the cafe?" },
      { from: "Ada", agent: null, text: "and the library?" },
    ],
    errors: [],
    pieces: 0,
  });
  agents.handle({ t: "reply", session: 70, agent: "scout", piece: "It is" });
  assert.deepEqual([agents.snapshot().typing, agents.snapshot().streaming, agents.snapshot().pieces],
    [false, "It is", 1]);
});
