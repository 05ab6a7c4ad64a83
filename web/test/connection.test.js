// Joining, resuming with the stored token, and reconnecting with backoff.
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
  close(code) { this.onclose({ code }); }
  // The server's side.
  open() { this.onopen(); }
  deliver(message) {
    // A browser delivers an ArrayBuffer of exactly the frame.
    const bytes = encode(message);
    this.onmessage({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  }
  drop(code = 1006) { this.onclose({ code }); }
}

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
  const connection = new Connection({
    url: "ws://test/ws", codec: { encode, decode }, WebSocket: FakeSocket, storage, timers,
    onMessage: (m) => messages.push(m), onStatus: (s) => statuses.push(s),
  });
  return { connection, values, pending, statuses, messages };
}

const welcome = (token, resumed = false) => ({ t: "welcome", id: 1, token, resumed, entities: [] });

test("a first visit joins with name and avatar and keeps the token", () => {
  const { connection, values, statuses } = setup();
  connection.join({ name: "Ada", avatar: "fox" });
  const socket = FakeSocket.opened[0];
  socket.open();
  assert.deepEqual(socket.sent, [{ t: "join", name: "Ada", avatar: "fox" }]);
  socket.deliver(welcome("T1"));
  assert.equal(values.get(TOKEN_KEY), "T1");
  assert.deepEqual(statuses.at(-1), { state: "connected", resumed: false });
});

test("after a refresh the stored token resumes the avatar", () => {
  const { connection, values, statuses } = setup({ [TOKEN_KEY]: "T1" });
  connection.join({ name: "Ada", avatar: "fox" });
  const socket = FakeSocket.opened[0];
  socket.open();
  assert.deepEqual(socket.sent, [{ t: "join", token: "T1" }]);
  socket.deliver(welcome("T2", true));
  assert.equal(values.get(TOKEN_KEY), "T2");
  assert.deepEqual(statuses.at(-1), { state: "connected", resumed: true });
});

test("an expired token falls back to a fresh join on the same connection", () => {
  const { connection, values } = setup({ [TOKEN_KEY]: "old" });
  connection.join({ name: "Ada", avatar: "fox" });
  const socket = FakeSocket.opened[0];
  socket.open();
  socket.deliver({ t: "error", code: "bad_token", message: "expired" });
  assert.deepEqual(socket.sent.at(-1), { t: "join", name: "Ada", avatar: "fox" });
  assert.equal(values.has(TOKEN_KEY), false);
});

test("an unexpected drop reconnects with backoff 1, 2, 4, 8, 16 s, then gives up", () => {
  const { connection, pending, statuses } = setup();
  connection.join({ name: "Ada", avatar: "fox" });
  FakeSocket.opened[0].open();
  FakeSocket.opened[0].deliver(welcome("T1"));
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

test("a reconnection that succeeds resumes with the token and resets the backoff", () => {
  const { connection, pending, statuses } = setup();
  connection.join({ name: "Ada", avatar: "fox" });
  FakeSocket.opened[0].open();
  FakeSocket.opened[0].deliver(welcome("T1"));
  FakeSocket.opened[0].drop();
  pending.at(-1).callback();
  const again = FakeSocket.opened.at(-1);
  again.open();
  assert.deepEqual(again.sent, [{ t: "join", token: "T1" }]);
  again.deliver(welcome("T2", true));
  assert.equal(statuses.at(-1).state, "connected");
  again.drop();
  assert.deepEqual(statuses.at(-1), { state: "reconnecting", attempt: 1, delaySeconds: 1 });
});

test("being replaced by another tab, or leaving, does not reconnect", () => {
  const { connection, pending, statuses } = setup();
  connection.join({ name: "Ada", avatar: "fox" });
  FakeSocket.opened[0].open();
  FakeSocket.opened[0].deliver(welcome("T1"));
  FakeSocket.opened[0].drop(4003);
  assert.equal(statuses.at(-1).state, "closed");
  assert.equal(pending.length, 0);
});

test("patches and other messages after the welcome go to the game", () => {
  const { connection, messages } = setup();
  connection.join({ name: "Ada", avatar: "fox" });
  const socket = FakeSocket.opened[0];
  socket.open();
  socket.deliver(welcome("T1"));
  socket.deliver({ t: "p", tick: 5, mv: [[2, 0, 1]] });
  assert.deepEqual(messages.map((m) => m.t), ["welcome", "p"]);
  connection.send({ t: "in", seq: 0, steps: [2] });
  assert.deepEqual(socket.sent.at(-1), { t: "in", seq: 0, steps: [2] });
});
