// The chat kept in step with the server: sessions and pages from the
// HTTP API, say/said/chat over the WebSocket (what the store could not
// take, or the connection lost, sent again), read marks.
import { test } from "node:test";
import assert from "node:assert/strict";

import { ApiError } from "../src/api.js";
import { ChatState, NEARBY, sessionKey } from "../src/chat.js";
import { ChatClient, RESEND_EVERY_SECONDS, RESEND_SECONDS } from "../src/chatclient.js";

const ADA = { id: 1, name: "Ada", avatar: "fox" };
const BOB = { id: 2, name: "Bob", avatar: "owl" };

const message = (id, session, from, text = `m${id}`) => ({ id, session, from, text, at: id });
const settle = () => new Promise((resolve) => setImmediate(resolve));

// A fake chat API over a fixed store: session id -> messages, oldest first.
function fakeApi(store, sessions) {
  const calls = [];
  const api = async (url, options = {}) => {
    calls.push({ url, method: options.method ?? "GET", body: options.body });
    if (url === "/api/chat/sessions") return { sessions: sessions() };
    const page = url.match(/^\/api\/chat\/sessions\/(\d+)\/messages\?(.*)$/);
    if (page) {
      const params = new URLSearchParams(page[2]);
      const before = params.has("before") ? Number(params.get("before")) : Infinity;
      const limit = Number(params.get("limit"));
      const older = store[page[1]].filter((m) => m.id < before);
      return { messages: older.slice(-limit), more: older.length > limit };
    }
    const read = url.match(/^\/api\/chat\/sessions\/(\d+)\/read$/);
    if (read) return { unread: 0 };
    throw new ApiError(404, "not_found", "no such API endpoint");
  };
  return { api, calls };
}

// Timers that run only when a test says so.
function fakeTimers() {
  let next = 1;
  const waiting = new Map();
  return {
    waiting,
    setTimeout: (callback, ms) => { waiting.set(next, { callback, ms }); return next++; },
    clearTimeout: (id) => { waiting.delete(id); },
    // Run the one timer waiting; returns its delay in ms.
    fire() {
      assert.equal(waiting.size, 1, "one timer waits");
      const [[id, { callback, ms }]] = waiting;
      waiting.delete(id);
      callback();
      return ms;
    },
  };
}

function setup({ store = {}, sessions = () => [], connected = true } = {}) {
  let n = 0;
  const state = new ChatState(ADA, { newCid: () => `c${String(++n).padStart(7, "0")}` });
  const { api, calls } = fakeApi(store, sessions);
  const sent = [];
  const timers = fakeTimers();
  let changes = 0;
  const client = new ChatClient({
    state, api, timers, send: (m) => { if (connected) sent.push(m); return connected; }, onChange: () => { changes += 1; },
  });
  const connect = (on) => { connected = on; };
  return { state, client, calls, sent, timers, connect, changes: () => changes };
}

const storeFailed = (ref) => ({ t: "said", ref, error: "store_failed", message: "the message could not be stored" });

test("opening a tab loads its newest page; scrolling up pages back until there is no more", async () => {
  const store = { 10: Array.from({ length: 120 }, (_, i) => message(i + 1, 10, BOB)) };
  const sessions = () => [{ id: 10, kind: "direct", title: "", participants: [ADA, BOB], unread: 0, lastMessage: store[10].at(-1) }];
  const { state, client, calls } = setup({ store, sessions });
  await client.loadSessions();
  client.select(sessionKey(10));
  await settle();
  assert.equal(calls.at(-1).url, "/api/chat/sessions/10/messages?limit=50");
  assert.equal(state.entries(sessionKey(10)).length, 50);
  await client.loadOlder(sessionKey(10));
  assert.equal(calls.at(-1).url, "/api/chat/sessions/10/messages?before=71&limit=50");
  await client.loadOlder(sessionKey(10));
  assert.equal(calls.at(-1).url, "/api/chat/sessions/10/messages?before=21&limit=50");
  const shown = state.entries(sessionKey(10)).map((e) => e.id);
  assert.deepEqual(shown, Array.from({ length: 120 }, (_, i) => i + 1));
  const asked = calls.length;
  await client.loadOlder(sessionKey(10));
  assert.equal(calls.length, asked, "nothing more to ask for");
});

test("saying sends the say with its own id", () => {
  const { state, client, sent } = setup();
  assert.equal(client.say("hello"), true);
  assert.deepEqual(sent, [{ t: "say", ref: 1, kind: "nearby", text: "hello", cid: "c0000001" }]);
  assert.equal(client.say("  "), false);
  assert.equal(state.entries(NEARBY)[0].pending, true);
});

test("not connected yet, a say waits and goes once connected; a question fails at once", () => {
  const { state, client, sent, connect } = setup({ connected: false, store: { 60: [] } });
  client.say("hello");
  client.openAgentSession({ session: 60, agent: "scout", name: "Scout" });
  client.say("where is the cafe?");
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.pending, e.error]), [[true, null]]);
  assert.deepEqual(state.entries(sessionKey(60)).map((e) => e.error), ["Not sent: not connected to the world."]);
  connect(true);
  client.connected();
  assert.deepEqual(sent, [{ t: "say", ref: 3, kind: "nearby", text: "hello", cid: "c0000001" }]);
  client.handle({ t: "said", ref: 3, session: 12, id: 5, at: 5, text: "hello" });
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.id, e.pending]), [[5, false]]);
});

test("a say the store could not take goes again after 1, 2, 4, 8, 16, then every 30 seconds, until stored", () => {
  const { state, client, sent, timers } = setup();
  client.say("hello");
  const delays = [];
  for (let i = 0; i < 8; i += 1) {
    client.handle(storeFailed(sent.at(-1).ref));
    assert.deepEqual(state.entries(NEARBY).map((e) => [e.text, e.pending, e.error]), [["hello", true, null]],
      "still sending, no error shown");
    delays.push(timers.fire() / 1000);
  }
  assert.deepEqual(RESEND_SECONDS, [1, 2, 4, 8, 16]);
  assert.equal(RESEND_EVERY_SECONDS, 30);
  assert.deepEqual(delays, [1, 2, 4, 8, 16, 30, 30, 30]);
  assert.deepEqual(sent.map((m) => [m.ref, m.cid, m.text]),
    Array.from({ length: 9 }, (_, i) => [i + 1, "c0000001", "hello"]), "the same id, a new ref each time");
  client.handle({ t: "said", ref: 9, session: 12, id: 70, at: 70, text: "hello" });
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.id, e.pending, e.error]), [[70, false, null]]);
  assert.equal(timers.waiting.size, 0);
});

test("a say sent again and then refused otherwise shows the refusal, and goes no more", () => {
  const { state, client, sent, timers } = setup();
  client.say("hello");
  client.handle(storeFailed(1));
  timers.fire();
  client.handle({ t: "said", ref: 2, error: "chat_rate_limited", message: "at most 5 messages in 10 seconds" });
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.pending, e.error]), [[false, "At most 5 messages in 10 seconds."]]);
  assert.equal(timers.waiting.size, 0);
  client.connectionLost();
  client.reconnected();
  assert.equal(sent.length, 2, "a refused message is not sent again");
});

test("a question the store could not take is refused, and not asked again", () => {
  const { state, client, sent, timers } = setup({ store: { 60: [] } });
  client.openAgentSession({ session: 60, agent: "scout", name: "Scout" });
  client.say("where is the cafe?");
  state.asked({ t: "asked", ref: 1, error: "store_failed" });
  assert.deepEqual(state.entries(sessionKey(60)).map((e) => [e.pending, e.error]), [[false, "store_failed"]]);
  client.connected();
  assert.equal(timers.waiting.size, 0);
  assert.equal(sent.length, 1);
});

test("a timer that comes while the connection is away leaves the say waiting for it", () => {
  const { state, client, sent, timers, connect } = setup();
  client.say("hello");
  client.handle(storeFailed(1));
  connect(false);
  timers.fire();
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.pending, e.error]), [[true, null]]);
  connect(true);
  client.reconnected();
  assert.deepEqual(sent.map((m) => [m.ref, m.cid]), [[1, "c0000001"], [3, "c0000001"]]);
});

test("a chat for an unknown session asks for the sessions again and names the tab", async () => {
  let list = [];
  const { state, client, calls } = setup({ sessions: () => list });
  list = [{ id: 20, kind: "nearby", title: "", participants: [ADA, BOB], unread: 1, lastMessage: null }];
  client.handle({ t: "chat", session: 20, kind: "nearby", ...message(9, 20, BOB, "hello") });
  await settle();
  assert.ok(calls.some((c) => c.url === "/api/chat/sessions"));
  assert.equal(state.tab(sessionKey(20)).title, "Nearby: Bob");
  assert.equal(state.tab(sessionKey(20)).unread, 1);
});

test("viewing a tab with unread messages posts a read mark up to the newest", async () => {
  const sessions = () => [{ id: 10, kind: "direct", title: "", participants: [ADA, BOB], unread: 2, lastMessage: message(8, 10, BOB) }];
  const { state, client, calls } = setup({ store: { 10: [message(7, 10, BOB), message(8, 10, BOB)] }, sessions });
  await client.loadSessions();
  client.select(sessionKey(10));
  await settle();
  client.view(sessionKey(10));
  await settle();
  assert.deepEqual(calls.at(-1), { url: "/api/chat/sessions/10/read", method: "POST", body: { upTo: 8 } });
  assert.equal(state.tab(sessionKey(10)).unread, 0);
});

test("a failing API shows a notice instead of throwing", async () => {
  const state = new ChatState(ADA);
  const client = new ChatClient({
    state, send: () => true,
    api: async () => { throw new ApiError(0, "network", "The server could not be reached."); },
  });
  await client.loadSessions();
  assert.equal(state.notice, "Could not load your chats: The server could not be reached.");
  const broken = new ChatClient({ state, send: () => true, api: async () => ({ sessions: "nope" }) });
  await broken.loadSessions();
  assert.match(state.notice, /could not be read/);
});

test("after a reconnect, what waited goes again at once, and sessions and the loaded tabs' newest pages come again",
  async () => {
    const store = { 10: [message(1, 10, BOB)] };
    const sessions = () => [{ id: 10, kind: "direct", title: "", participants: [ADA, BOB], unread: 0, lastMessage: store[10].at(-1) }];
    const { state, client, sent, timers, connect } = setup({ store, sessions });
    await client.loadSessions();
    client.select(sessionKey(10));
    await settle();
    client.say("are you there?");
    client.say("hello?");
    client.handle(storeFailed(2));
    assert.equal(timers.waiting.size, 1);
    client.connectionLost();
    assert.equal(timers.waiting.size, 0, "nothing goes while the connection is away");
    assert.deepEqual(state.entries(sessionKey(10)).map((e) => [e.text, e.pending, e.error]),
      [["m1", false, null], ["are you there?", true, null], ["hello?", true, null]]);
    connect(false);
    client.say("still there?");
    // The first was stored, but its said was lost with the connection.
    store[10].push(message(2, 10, BOB, "said while you were away"), message(3, 10, ADA, "are you there?"));
    connect(true);
    const back = client.reconnected();
    assert.deepEqual(sent.slice(2), [
      { t: "say", ref: 4, kind: "direct", to: BOB.id, text: "are you there?", cid: "c0000001" },
      { t: "say", ref: 5, kind: "direct", to: BOB.id, text: "hello?", cid: "c0000002" },
      { t: "say", ref: 6, kind: "direct", to: BOB.id, text: "still there?", cid: "c0000003" },
    ]);
    await back;
    await settle();
    client.handle({ t: "said", ref: 4, session: 10, id: 3, at: 3, text: "are you there?" });
    client.handle({ t: "said", ref: 5, session: 10, id: 4, at: 4, text: "hello?" });
    client.handle({ t: "said", ref: 6, session: 10, id: 5, at: 5, text: "still there?" });
    client.handle({ t: "chat", session: 10, kind: "direct", ...message(4, 10, ADA, "hello?") });
    assert.deepEqual(state.entries(sessionKey(10)).map((e) => [e.id, e.text, e.pending]), [
      [1, "m1", false], [2, "said while you were away", false], [3, "are you there?", false], [4, "hello?", false],
      [5, "still there?", false],
    ]);
    assert.equal(timers.waiting.size, 0);
  });

test("a conversation with an agent opens on its session's history, and what is typed there is asked", async () => {
  const SCOUT = { agent: "scout", name: "Scout", avatar: "explorer" };
  const store = { 60: [message(1, 60, SCOUT, "Hello, I am Scout.")] };
  const { state, client, calls, sent } = setup({ store });
  const key = client.openAgentSession({ session: 60, agent: "scout", name: "Scout" });
  await settle();
  assert.equal(key, sessionKey(60));
  assert.equal(calls.at(-1).url, "/api/chat/sessions/60/messages?limit=50");
  assert.deepEqual(state.entries(key).map((e) => [e.from.name, e.text]), [["Scout", "Hello, I am Scout."]]);
  assert.equal(client.say("where is the cafe?"), true);
  assert.deepEqual(sent, [{ t: "ask", ref: 1, agent: "scout", text: "where is the cafe?" }]);
});

test("a page of history that cannot be loaded is not asked for again and again: choosing the tab tries again", async () => {
  const direct = { id: 5, kind: "direct", title: "", participants: [ADA, BOB], unread: 0, lastMessage: null };
  const { client, calls } = setup({ store: {}, sessions: () => [direct] });
  await client.loadSessions();
  const pages = () => calls.filter((call) => call.url.startsWith("/api/chat/sessions/5/messages")).length;
  client.select(sessionKey(5));
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(pages(), 1, "one failed load, not a loop of them");
  assert.match(client.state.notice, /^Could not load messages/);
  client.select(sessionKey(5));
  for (let i = 0; i < 5; i++) await settle();
  assert.equal(pages(), 2);
});
