// The chat kept in step with the server: sessions and pages from the
// HTTP API, say/said/chat over the WebSocket, read marks.
import { test } from "node:test";
import assert from "node:assert/strict";

import { ApiError } from "../src/api.js";
import { ChatState, NEARBY, sessionKey } from "../src/chat.js";
import { ChatClient } from "../src/chatclient.js";

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

function setup({ store = {}, sessions = () => [], connected = true } = {}) {
  const state = new ChatState(ADA);
  const { api, calls } = fakeApi(store, sessions);
  const sent = [];
  let changes = 0;
  const client = new ChatClient({
    state, api, send: (m) => { if (connected) sent.push(m); return connected; }, onChange: () => { changes += 1; },
  });
  return { state, client, calls, sent, changes: () => changes };
}

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

test("saying sends the say; not connected, the message fails at once", () => {
  const { state, client, sent } = setup();
  assert.equal(client.say("hello"), true);
  assert.deepEqual(sent, [{ t: "say", ref: 1, kind: "nearby", text: "hello" }]);
  assert.equal(client.say("  "), false);
  const offline = setup({ connected: false });
  offline.client.say("hello");
  assert.equal(offline.state.entries(NEARBY)[0].error, "Not sent: not connected to the world.");
  assert.equal(state.entries(NEARBY)[0].pending, true);
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

test("after a reconnect, sessions and the loaded tabs' newest pages come again", async () => {
  const store = { 10: [message(1, 10, BOB)] };
  const sessions = () => [{ id: 10, kind: "direct", title: "", participants: [ADA, BOB], unread: 0, lastMessage: store[10].at(-1) }];
  const { state, client } = setup({ store, sessions });
  await client.loadSessions();
  client.select(sessionKey(10));
  await settle();
  client.say("are you there?");
  client.connectionLost();
  store[10].push(message(2, 10, BOB, "said while you were away"));
  await client.reconnected();
  await settle();
  assert.deepEqual(state.entries(sessionKey(10)).map((e) => e.text),
    ["m1", "said while you were away", "are you there?"]);
  assert.equal(state.entries(sessionKey(10)).at(-1).error, "Not sent: the connection was lost.");
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
