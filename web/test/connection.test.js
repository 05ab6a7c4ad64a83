// Joining with the access token, resuming with the stored reconnection
// token, renewing an expired access token, and reconnecting with backoff.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decode, encode } from "cbor-x";

import { BACKOFF_SECONDS, Connection, TOKEN_KEY } from "../src/connection.js";

class FakeSocket {
  static opened = [];
  constructor(url) {
    this.url = url;
    this.sent = [];
    FakeSocket.opened.push(this);
  }
  send(bytes) { this.sent.push(decode(bytes)); }
  close(code) {
    this.closedWith = code;
    this.onclose?.({ code });
  }
  // The server's side.
  open() { this.onopen(); }
  deliver(message) {
    // A browser delivers an ArrayBuffer of exactly the frame.
    const bytes = encode(message);
    this.onmessage({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
  drop(code = 1006) { this.onclose({ code }); }
}

// auth.js as the connection sees it: access tokens A1, A2, … in turn,
// each refresh giving the next one.
class FakeAuth {
  constructor() {
    this.current = 1;
    this.refreshes = [];
    this.failure = null;
  }
  async accessToken() {
    if (this.failure) throw this.failure;
    return `A${this.current}`;
  }
  async refresh(stale) {
    this.refreshes.push(stale);
    if (this.failure) throw this.failure;
    this.current += 1;
    return `A${this.current}`;
  }
}

// Lets the connection's awaited access token arrive.
const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(stored = {}) {
  FakeSocket.opened = [];
  const values = new Map(Object.entries(stored));
  const storage = {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => values.set(key, value),
    removeItem: (key) => values.delete(key),
  };
  const pending = [];
  const timers = { setTimeout: (callback, ms) => pending.push({ callback, ms }) };
  const statuses = [];
  const messages = [];
  const auth = new FakeAuth();
  const connection = new Connection({
    url: "ws://test/ws", codec: { encode, decode }, WebSocket: FakeSocket, storage, timers, auth,
    onMessage: (m) => messages.push(m), onStatus: (s) => statuses.push(s),
  });
  return { connection, values, pending, statuses, messages, auth };
}

// Open the latest socket and let its join go out.
async function opened() {
  const socket = FakeSocket.opened.at(-1);
  socket.open();
  await settle();
  return socket;
}

const welcome = (token, resumed = false) => ({ t: "welcome", id: 1, token, resumed, entities: [] });

test("joining sends the access token, not a name, and keeps the reconnection token", async () => {
  const { connection, values, statuses } = setup();
  connection.join();
  const socket = await opened();
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1" }]);
  socket.deliver(welcome("T1"));
  assert.equal(values.get(TOKEN_KEY), "T1");
  assert.deepEqual(statuses.at(-1), { state: "connected", resumed: false });
});

test("a join may name a map", async () => {
  const { connection } = setup();
  connection.join({ map: "cafe.tmj" });
  const socket = await opened();
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", map: "cafe.tmj" }]);
});

test("after a refresh the stored token resumes the avatar, with the access token", async () => {
  const { connection, values, statuses } = setup({ [TOKEN_KEY]: "T1" });
  connection.join();
  const socket = await opened();
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", token: "T1" }]);
  socket.deliver(welcome("T2", true));
  assert.equal(values.get(TOKEN_KEY), "T2");
  assert.deepEqual(statuses.at(-1), { state: "connected", resumed: true });
});

test("an expired reconnection token falls back to a fresh join on the same connection", async () => {
  const { connection, values } = setup({ [TOKEN_KEY]: "old" });
  connection.join();
  const socket = await opened();
  socket.deliver({ t: "error", code: "bad_token", message: "expired" });
  await settle();
  assert.deepEqual(socket.sent.at(-1), { t: "join", access: "A1" });
  assert.equal(values.has(TOKEN_KEY), false);
});

test("an expired access token is renewed and the join sent again on the same connection", async () => {
  const { connection, auth, statuses } = setup({ [TOKEN_KEY]: "T1" });
  connection.join();
  const socket = await opened();
  socket.deliver({ t: "error", code: "token_expired", message: "expired", ref: "join" });
  await settle();
  assert.deepEqual(auth.refreshes, ["A1"]);
  assert.equal(FakeSocket.opened.length, 1);
  assert.deepEqual(socket.sent, [
    { t: "join", access: "A1", token: "T1" },
    { t: "join", access: "A2", token: "T1" },
  ]);
  socket.deliver(welcome("T2", true));
  assert.equal(statuses.at(-1).state, "connected");
});

test("a join refused as expired twice running is not retried forever", async () => {
  const { connection, statuses, pending } = setup();
  connection.join();
  const socket = await opened();
  socket.deliver({ t: "error", code: "token_expired", message: "expired" });
  await settle();
  socket.deliver({ t: "error", code: "token_expired", message: "still expired" });
  await settle();
  assert.equal(socket.sent.length, 2);
  assert.deepEqual(statuses.at(-1), { state: "refused", code: "token_expired", reason: "still expired" });
  assert.equal(socket.closedWith, 1000);
  assert.equal(pending.length, 0);
});

test("a join refused for good is reported with the server's message, closed by us, never retried", async () => {
  const { connection, statuses, pending, messages } = setup();
  connection.join({ map: "nowhere.tmj" });
  const socket = await opened();
  socket.deliver({ t: "error", code: "unknown_map", message: "no map named 'nowhere.tmj' here", ref: "join" });
  assert.deepEqual(statuses, [
    { state: "refused", code: "unknown_map", reason: "no map named 'nowhere.tmj' here" },
  ]);
  assert.equal(socket.closedWith, 1000);
  assert.equal(FakeSocket.opened.length, 1);
  assert.equal(pending.length, 0, "no reconnection scheduled");
  assert.deepEqual(messages, [], "the refusal is the connection's to report, not the game's");
  // The server's own close, or its 4002 ten seconds on, changes nothing.
  socket.onclose?.({ code: 4002 });
  assert.equal(statuses.length, 1);
  assert.equal(pending.length, 0);
  assert.equal(connection.send({ t: "act" }), false);
});

test("a join refused for a passing trouble is tried again on a new connection, with backoff", async () => {
  for (const code of ["rate_limited", "internal_error"]) {
    const { connection, statuses, pending } = setup();
    connection.join();
    const socket = await opened();
    socket.deliver({ t: "error", code, message: "later", ref: "join" });
    assert.equal(socket.closedWith, 4000);
    assert.deepEqual(statuses.at(-1), { state: "reconnecting", attempt: 1, delaySeconds: 1 });
    pending.at(-1).callback();
    const again = await opened();
    assert.deepEqual(again.sent, [{ t: "join", access: "A1" }]);
    again.deliver(welcome("T1"));
    assert.equal(statuses.at(-1).state, "connected");
  }
});

test("errors after joining go to the game, and the connection stays open", async () => {
  const { connection, messages, statuses, pending } = setup();
  connection.join();
  const socket = await opened();
  socket.deliver(welcome("T1"));
  for (const code of ["rate_limited", "internal_error", "input_rate_limited", "unknown_map"]) {
    socket.deliver({ t: "error", code, message: `${code}!` });
  }
  assert.deepEqual(messages.slice(1).map((m) => m.code),
    ["rate_limited", "internal_error", "input_rate_limited", "unknown_map"]);
  assert.equal(socket.closedWith, undefined);
  assert.deepEqual(statuses.map((s) => s.state), ["connected"]);
  assert.equal(pending.length, 0);
});

test("a dropped socket (as a cut cable would) reconnects and resumes", async () => {
  const { connection, statuses, pending } = setup();
  assert.equal(connection.drop(), false, "nothing to drop yet");
  connection.join();
  const socket = await opened();
  socket.deliver(welcome("T1"));
  assert.equal(connection.drop(), true);
  assert.deepEqual(statuses.at(-1), { state: "reconnecting", attempt: 1, delaySeconds: 1 });
  // The old socket's late events are nobody's business.
  socket.onclose?.({ code: 1005 });
  assert.equal(statuses.length, 2);
  pending.at(-1).callback();
  const again = await opened();
  assert.deepEqual(again.sent, [{ t: "join", access: "A1", token: "T1" }]);
});

test("a revoked or forged access token signs the player out without reconnecting", async () => {
  for (const code of ["token_revoked", "token_invalid"]) {
    const { connection, values, statuses, pending } = setup({ [TOKEN_KEY]: "T1" });
    connection.join();
    const socket = await opened();
    socket.deliver({ t: "error", code, message: "no" });
    assert.deepEqual(statuses.at(-1), { state: "signed_out", reason: "no" });
    assert.equal(values.has(TOKEN_KEY), false);
    assert.equal(socket.closedWith, 1000);
    assert.equal(pending.length, 0);
  }
});

test("no access token to be had: signed out stops, a server fault retries with backoff", async () => {
  const signedOut = setup();
  signedOut.auth.failure = Object.assign(new Error("Please sign in again."), { code: "signed_out" });
  signedOut.connection.join();
  await opened();
  assert.deepEqual(signedOut.statuses.at(-1), { state: "signed_out", reason: "Please sign in again." });
  assert.equal(signedOut.pending.length, 0);

  const unreachable = setup();
  unreachable.auth.failure = Object.assign(new Error("The server had a problem"), { code: "http_error" });
  unreachable.connection.join();
  const socket = await opened();
  assert.deepEqual(unreachable.statuses.at(-1), { state: "reconnecting", attempt: 1, delaySeconds: 1 });
  assert.deepEqual(socket.sent, []);
  unreachable.auth.failure = null;
  unreachable.pending.at(-1).callback();
  const again = await opened();
  assert.deepEqual(again.sent, [{ t: "join", access: "A1" }]);
});

test("every reconnection asks for the access token afresh", async () => {
  const { connection, auth, pending } = setup();
  connection.join();
  (await opened()).deliver(welcome("T1"));
  FakeSocket.opened[0].drop();
  auth.current = 5;
  pending.at(-1).callback();
  const again = await opened();
  assert.deepEqual(again.sent, [{ t: "join", access: "A5", token: "T1" }]);
});

test("an unexpected drop reconnects with backoff 1, 2, 4, 8, 16 s, then gives up", async () => {
  const { connection, pending, statuses } = setup();
  connection.join();
  (await opened()).deliver(welcome("T1"));
  FakeSocket.opened[0].drop();
  for (let attempt = 1; attempt <= BACKOFF_SECONDS.length; attempt++) {
    assert.deepEqual(statuses.at(-1), {
      state: "reconnecting", attempt, delaySeconds: BACKOFF_SECONDS[attempt - 1],
    });
    assert.equal(pending.at(-1).ms, BACKOFF_SECONDS[attempt - 1] * 1000);
    pending.at(-1).callback();
    FakeSocket.opened.at(-1).drop();
  }
  assert.equal(statuses.at(-1).state, "failed");
});

test("a reconnection that succeeds resumes with the token and resets the backoff", async () => {
  const { connection, pending, statuses } = setup();
  connection.join();
  (await opened()).deliver(welcome("T1"));
  FakeSocket.opened[0].drop();
  pending.at(-1).callback();
  const again = await opened();
  assert.deepEqual(again.sent, [{ t: "join", access: "A1", token: "T1" }]);
  again.deliver(welcome("T2", true));
  assert.equal(statuses.at(-1).state, "connected");
  again.drop();
  assert.deepEqual(statuses.at(-1), { state: "reconnecting", attempt: 1, delaySeconds: 1 });
});

test("a socket that drops while its access token is fetched sends nothing", async () => {
  const { connection, pending } = setup();
  connection.join();
  const socket = FakeSocket.opened[0];
  socket.open();
  socket.drop();
  await settle();
  assert.deepEqual(socket.sent, []);
  assert.equal(pending.length, 1);
});

test("being replaced by another tab, or leaving, does not reconnect", async () => {
  const { connection, pending, statuses } = setup();
  connection.join();
  (await opened()).deliver(welcome("T1"));
  FakeSocket.opened[0].drop(4003);
  assert.equal(statuses.at(-1).state, "closed");
  assert.equal(pending.length, 0);
});

test("patches and other messages after the welcome go to the game; sending says if it went", async () => {
  const { connection, messages } = setup();
  connection.join();
  const socket = await opened();
  assert.equal(connection.send({ t: "say", ref: 1, kind: "nearby", text: "too early" }), false);
  socket.deliver(welcome("T1"));
  socket.deliver({ t: "p", tick: 5, mv: [[2, 0, 1]] });
  assert.deepEqual(messages.map((m) => m.t), ["welcome", "p"]);
  assert.equal(connection.send({ t: "in", seq: 0, steps: [2] }), true);
  assert.deepEqual(socket.sent.at(-1), { t: "in", seq: 0, steps: [2] });
});

test("a welcome to another map on the same connection keeps its reconnection token", async () => {
  const { connection, values, messages, statuses, pending } = setup();
  connection.join();
  const socket = await opened();
  socket.deliver(welcome("T1"));
  socket.deliver({ ...welcome("T2"), moved: true, map: "cafe.tmj" });
  assert.equal(values.get(TOKEN_KEY), "T2");
  assert.deepEqual(messages.map((m) => [m.t, m.token]), [["welcome", "T1"], ["welcome", "T2"]]);
  // Still the same connection: nothing for the page's banner.
  assert.equal(statuses.filter((s) => s.state === "connected").length, 1);
  // A drop after it resumes the avatar on the new map.
  socket.drop();
  pending.shift().callback();
  const again = await opened();
  assert.deepEqual(again.sent, [{ t: "join", access: "A1", token: "T2" }]);
});
