// Joining with the access token, resuming with the stored reconnection
// token, renewing an expired access token, and reconnecting with backoff;
// where to join: the node and the seat POST /api/join names, the node
// that gave the reconnection token.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decode, encode } from "cbor-x";

import { ApiError } from "../src/api.js";
import { AUTH_KEY, Auth } from "../src/auth.js";
import { BACKOFF_SECONDS, Connection, NODE_KEY, TOKEN_KEY, forgetReconnection } from "../src/connection.js";

class FakeSocket {
  static opened = [];
  constructor(url) {
    // As a browser refuses an address it cannot open.
    if (!/^wss?:\/\//.test(url)) throw new SyntaxError(`bad address ${url}`);
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

// POST /api/join as the connection sees it (the api it is given): by
// default an older server's, without the endpoint; answers() lines up
// what the next requests are answered (an object, or an ApiError thrown).
class FakeDirectory {
  constructor() {
    this.requests = [];
    this.queued = [];
  }
  answers(...answers) {
    this.queued.push(...answers);
  }
  api = async (url, options) => {
    this.requests.push({ url, ...options });
    const answer = await (this.queued.length > 0
      ? this.queued.shift() : new ApiError(404, "not_found", "No such API endpoint."));
    if (answer instanceof Error) throw answer;
    return answer;
  };
}

// Lets the connection's awaited access token arrive.
const settle = () => new Promise((resolve) => setImmediate(resolve));

// stored: storage's keys and values to start with; auth and api, when
// given, instead of the fakes.
function setup(stored = {}, given = {}) {
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
  const auth = given.auth ?? new FakeAuth();
  const directory = new FakeDirectory();
  const connection = new Connection({
    url: "ws://test/ws", codec: { encode, decode }, WebSocket: FakeSocket, storage, timers, auth,
    api: given.api ?? directory.api, onMessage: (m) => messages.push(m), onStatus: (s) => statuses.push(s),
  });
  return { connection, storage, values, pending, statuses, messages, auth, directory };
}

// Let where to join be found, open the latest socket and let its join go out.
async function opened() {
  await settle();
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
    // A resume that could not connect asks where to go first.
    await settle();
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
  await settle();
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

// -- where to join: seats and nodes ------------------------------------

const NODE2 = "wss://world.example/node/2/ws";
const NODE3 = "wss://world.example/node/3/ws";
const seatAt = (url, seat, map = "town.tmj") => ({ map, node: url === null ? "1" : url.split("/")[4], url, seat, expiresIn: 15 });

test("a fresh join asks POST /api/join for the map, then joins the node it names with the seat, not the map", async () => {
  const { connection, values, directory, statuses } = setup();
  directory.answers(seatAt(NODE2, "S1", "cafe.tmj"));
  connection.join({ map: "cafe.tmj" });
  const socket = await opened();
  assert.deepEqual(directory.requests, [{ url: "/api/join", method: "POST", body: { map: "cafe.tmj" } }]);
  assert.equal(FakeSocket.opened.length, 1);
  assert.equal(socket.url, NODE2);
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", seat: "S1" }]);
  socket.deliver(welcome("T1"));
  assert.deepEqual(statuses, [{ state: "connected", resumed: false }]);
  assert.equal(values.get(TOKEN_KEY), "T1");
  assert.equal(values.get(NODE_KEY), NODE2, "the node that gave the token is kept beside it");
  // Through a door, on the same connection: the same node.
  socket.deliver({ ...welcome("T2"), moved: true, map: "hall.tmj" });
  assert.equal(values.get(TOKEN_KEY), "T2");
  assert.equal(values.get(NODE_KEY), NODE2);
});

test("without a map asked for, the directory picks it; an answer naming no address is the page's own /ws", async () => {
  const { connection, values, directory } = setup();
  directory.answers(seatAt(null, "S1"));
  connection.join();
  const socket = await opened();
  assert.deepEqual(directory.requests, [{ url: "/api/join", method: "POST", body: {} }]);
  assert.equal(socket.url, "ws://test/ws");
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", seat: "S1" }]);
  socket.deliver(welcome("T1"));
  assert.equal(values.get(NODE_KEY), "ws://test/ws");
});

test("an older server without POST /api/join is joined as before: the page's /ws, naming the map", async () => {
  const { connection, directory } = setup();
  // The fake directory answers 404 not_found unless told otherwise.
  connection.join({ map: "cafe.tmj" });
  const socket = await opened();
  assert.equal(directory.requests.length, 1);
  assert.equal(socket.url, "ws://test/ws");
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", map: "cafe.tmj" }]);
});

test("a stored reconnection token resumes on the node that gave it, without asking the directory", async () => {
  const { connection, directory, values } = setup({ [TOKEN_KEY]: "T1", [NODE_KEY]: NODE2 });
  connection.join({ map: "cafe.tmj" });
  const socket = await opened();
  assert.equal(socket.url, NODE2);
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", token: "T1" }]);
  assert.deepEqual(directory.requests, []);
  socket.deliver(welcome("T2", true));
  assert.equal(values.get(TOKEN_KEY), "T2");
  assert.equal(values.get(NODE_KEY), NODE2);
});

test("a connection that drops after joining resumes on its node, without asking the directory", async () => {
  const { connection, directory, statuses, pending } = setup();
  directory.answers(seatAt(NODE2, "S1"));
  connection.join();
  (await opened()).deliver(welcome("T1"));
  // Dropped twice: after the seat's join, and after the resume.
  for (const [index, token] of [[0, "T1"], [1, "T2"]]) {
    FakeSocket.opened[index].drop();
    assert.deepEqual(statuses.at(-1), { state: "reconnecting", attempt: 1, delaySeconds: 1 });
    pending.shift().callback();
    const again = await opened();
    assert.equal(directory.requests.length, 1);
    assert.equal(again.url, NODE2);
    assert.deepEqual(again.sent, [{ t: "join", access: "A1", token }]);
    again.deliver(welcome("T2", true));
  }
});

test("a token kept without its node (before there were nodes) resumes on the page's own /ws", async () => {
  const { connection, directory } = setup({ [TOKEN_KEY]: "T1" });
  connection.join();
  const socket = await opened();
  assert.equal(socket.url, "ws://test/ws");
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", token: "T1" }]);
  assert.deepEqual(directory.requests, []);
});

test("a resume refused as bad_token forgets token and node, and joins with a new seat on the same connection when it is there", async () => {
  const { connection, directory, values, statuses } = setup({ [TOKEN_KEY]: "old", [NODE_KEY]: NODE2 });
  directory.answers(seatAt(NODE2, "S1"));
  connection.join({ map: "cafe.tmj" });
  const socket = await opened();
  socket.deliver({ t: "error", code: "bad_token", message: "expired", ref: "join" });
  assert.equal(values.has(TOKEN_KEY), false);
  assert.equal(values.has(NODE_KEY), false);
  await settle();
  assert.deepEqual(directory.requests, [{ url: "/api/join", method: "POST", body: { map: "cafe.tmj" } }]);
  assert.equal(FakeSocket.opened.length, 1);
  assert.deepEqual(socket.sent.at(-1), { t: "join", access: "A1", seat: "S1" });
  socket.deliver(welcome("T1"));
  assert.deepEqual(statuses, [{ state: "connected", resumed: false }]);
  assert.equal(values.get(NODE_KEY), NODE2);
});

test("a resume refused as bad_token moves to the node of the new seat when it is another", async () => {
  const { connection, directory, values, statuses, pending } = setup({ [TOKEN_KEY]: "old", [NODE_KEY]: NODE2 });
  directory.answers(seatAt(NODE3, "S1"));
  connection.join();
  const socket = await opened();
  socket.deliver({ t: "error", code: "bad_token", message: "expired", ref: "join" });
  const moved = await opened();
  assert.equal(socket.closedWith, 1000);
  assert.equal(moved.url, NODE3);
  assert.deepEqual(moved.sent, [{ t: "join", access: "A1", seat: "S1" }]);
  // Not a drop: no backoff, and the old socket's events are nobody's business.
  socket.onclose?.({ code: 1006 });
  assert.deepEqual(statuses, []);
  assert.equal(pending.length, 0);
  moved.deliver(welcome("T1"));
  assert.equal(values.get(NODE_KEY), NODE3);
});

test("a resume that cannot reach its node waits its backoff, then joins where the directory gives a seat, forgetting the token", async () => {
  const { connection, directory, values, statuses, pending } = setup({ [TOKEN_KEY]: "T1", [NODE_KEY]: NODE2 });
  connection.join();
  await settle();
  FakeSocket.opened[0].drop();
  assert.deepEqual(statuses, [{ state: "reconnecting", attempt: 1, delaySeconds: 1 }]);
  assert.equal(values.get(TOKEN_KEY), "T1", "kept until a seat elsewhere is had");
  assert.deepEqual(directory.requests, []);
  directory.answers(seatAt(NODE3, "S1"));
  pending.shift().callback();
  const socket = await opened();
  assert.equal(directory.requests.length, 1);
  assert.equal(socket.url, NODE3);
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", seat: "S1" }]);
  assert.equal(values.has(TOKEN_KEY), false);
  assert.equal(values.has(NODE_KEY), false);
  socket.deliver(welcome("T2"));
  assert.equal(values.get(NODE_KEY), NODE3);
  assert.equal(statuses.at(-1).state, "connected");
});

test("a resume that cannot reach its node resumes there again when the directory still names that node", async () => {
  const { connection, directory, pending } = setup({ [TOKEN_KEY]: "T1", [NODE_KEY]: NODE2 });
  connection.join();
  await settle();
  FakeSocket.opened[0].drop();
  directory.answers(seatAt(NODE2, "S1"));
  pending.shift().callback();
  const socket = await opened();
  assert.equal(directory.requests.length, 1);
  assert.equal(socket.url, NODE2);
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", token: "T1" }]);
});

test("a resume that cannot reach its node keeps the token while the directory cannot be asked either", async () => {
  const { connection, directory, values, statuses, pending } = setup({ [TOKEN_KEY]: "T1", [NODE_KEY]: NODE2 });
  connection.join();
  await settle();
  FakeSocket.opened[0].drop();
  directory.answers(new ApiError(0, "network", "The server could not be reached."));
  pending.shift().callback();
  await settle();
  assert.equal(FakeSocket.opened.length, 1);
  assert.deepEqual(statuses.at(-1), { state: "reconnecting", attempt: 2, delaySeconds: 2 });
  assert.equal(values.get(TOKEN_KEY), "T1");
  assert.equal(values.get(NODE_KEY), NODE2);
  // The next attempt asks again.
  directory.answers(seatAt(NODE2, "S2"));
  pending.shift().callback();
  const socket = await opened();
  assert.equal(directory.requests.length, 2);
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", token: "T1" }]);
});

test("a node address the browser will not open counts as a node that cannot be reached", async () => {
  const { connection, directory, values, statuses, pending } = setup({ [TOKEN_KEY]: "T1", [NODE_KEY]: "not an address" });
  connection.join();
  assert.equal(FakeSocket.opened.length, 0);
  assert.deepEqual(statuses, [{ state: "reconnecting", attempt: 1, delaySeconds: 1 }]);
  directory.answers(seatAt(null, "S1"));
  pending.shift().callback();
  const socket = await opened();
  assert.equal(socket.url, "ws://test/ws");
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", seat: "S1" }]);
  assert.equal(values.has(TOKEN_KEY), false);
});

test("a seat refused (seat_invalid), a map another node holds (other_node) or a directory out of reach (try_again) gets a new seat and joins again, with backoff", async () => {
  for (const code of ["seat_invalid", "other_node", "try_again"]) {
    const { connection, directory, statuses, pending } = setup();
    directory.answers(seatAt(NODE2, "S1"));
    connection.join({ map: "cafe.tmj" });
    const socket = await opened();
    socket.deliver({ t: "error", code, message: "not here", ref: "join" });
    assert.equal(socket.closedWith, 4000);
    assert.deepEqual(statuses.at(-1), { state: "reconnecting", attempt: 1, delaySeconds: 1 });
    directory.answers(seatAt(NODE3, "S2"));
    pending.at(-1).callback();
    const again = await opened();
    assert.deepEqual(directory.requests.map((r) => r.body), [{ map: "cafe.tmj" }, { map: "cafe.tmj" }]);
    assert.equal(again.url, NODE3);
    assert.deepEqual(again.sent, [{ t: "join", access: "A1", seat: "S2" }]);
    again.deliver(welcome("T1"));
    assert.equal(statuses.at(-1).state, "connected");
  }
});

test("a door to a map of another node (go): the seat there is joined on a new socket, without asking the directory", async () => {
  const { connection, directory, statuses, values } = setup();
  directory.answers(seatAt(NODE2, "S1"));
  connection.join();
  const socket = await opened();
  socket.deliver(welcome("T1"));
  socket.deliver({ t: "go", map: "cafe.tmj", node: "node-3", url: NODE3, seat: "S2" });
  assert.equal(socket.closedWith, 1000);
  assert.equal(values.has(TOKEN_KEY), false, "the avatar held here is gone");
  const there = await opened();
  assert.equal(there.url, NODE3);
  assert.deepEqual(there.sent, [{ t: "join", access: "A1", seat: "S2" }]);
  assert.equal(directory.requests.length, 1);
  there.deliver(welcome("T2"));
  assert.equal(statuses.filter((s) => s.state === "reconnecting").length, 0, "a door is no drop");
  assert.equal(values.get(TOKEN_KEY), "T2");
});

test("a seat's node that cannot be reached is an attempt failed: the next one asks for a new seat", async () => {
  const { connection, directory, statuses, pending } = setup();
  directory.answers(seatAt(NODE2, "S1"), seatAt(NODE3, "S2"));
  connection.join();
  await settle();
  FakeSocket.opened[0].drop();
  assert.deepEqual(statuses, [{ state: "reconnecting", attempt: 1, delaySeconds: 1 }]);
  pending.shift().callback();
  const socket = await opened();
  assert.equal(directory.requests.length, 2);
  assert.equal(socket.url, NODE3);
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", seat: "S2" }]);
});

test("a directory that cannot answer now (503 try_again, no network) is asked again with backoff", async () => {
  const { connection, directory, statuses, pending } = setup();
  directory.answers(
    new ApiError(503, "try_again", "The room directory cannot be reached."),
    new ApiError(0, "network", "The server could not be reached."),
    seatAt(NODE2, "S1"),
  );
  connection.join();
  await settle();
  assert.equal(FakeSocket.opened.length, 0);
  assert.deepEqual(statuses, [{ state: "reconnecting", attempt: 1, delaySeconds: 1 }]);
  pending.shift().callback();
  await settle();
  assert.equal(FakeSocket.opened.length, 0);
  assert.deepEqual(statuses.at(-1), { state: "reconnecting", attempt: 2, delaySeconds: 2 });
  pending.shift().callback();
  const socket = await opened();
  assert.equal(directory.requests.length, 3);
  assert.deepEqual(socket.sent, [{ t: "join", access: "A1", seat: "S1" }]);
  socket.deliver(welcome("T1"));
  assert.equal(statuses.at(-1).state, "connected");
});

test("a directory that never answers is given up after the backoff, as an unreachable server", async () => {
  const { connection, directory, statuses, pending } = setup();
  for (let i = 0; i <= BACKOFF_SECONDS.length; i++) directory.answers(new ApiError(503, "try_again", "later"));
  connection.join();
  await settle();
  while (pending.length > 0) {
    pending.shift().callback();
    await settle();
  }
  assert.equal(directory.requests.length, BACKOFF_SECONDS.length + 1);
  assert.deepEqual(statuses.at(-1), { state: "failed", reason: "the server could not be reached" });
  assert.equal(FakeSocket.opened.length, 0);
});

test("a map the directory does not know is refused for good: shown, no socket, no retry", async () => {
  const { connection, directory, statuses, pending } = setup();
  directory.answers(new ApiError(404, "unknown_map", "No map of that name here."));
  connection.join({ map: "nowhere.tmj" });
  await settle();
  assert.deepEqual(statuses, [{ state: "refused", code: "unknown_map", reason: "No map of that name here." }]);
  assert.equal(FakeSocket.opened.length, 0);
  assert.equal(pending.length, 0);
  assert.equal(connection.send({ t: "act" }), false);
});

test("a sign-in the directory refuses signs the player out, forgetting the reconnection", async () => {
  const { connection, directory, statuses, pending, values } = setup({ [NODE_KEY]: NODE2 });
  const signedOut = Object.assign(new Error("You have been signed out. Please sign in again."), { code: "signed_out" });
  directory.answers(signedOut);
  connection.join();
  await settle();
  assert.deepEqual(statuses, [{ state: "signed_out", reason: "You have been signed out. Please sign in again." }]);
  assert.equal(FakeSocket.opened.length, 0);
  assert.equal(pending.length, 0);
  assert.equal(values.has(NODE_KEY), false);
});

// auth.js itself, over a fake fetch, for the way the directory's 401s go.
function realAuth(joinAnswers) {
  const authValues = new Map([[AUTH_KEY, JSON.stringify({ accessToken: "A1", refreshToken: "R1", user: null, expiresAt: null })]]);
  const requests = [];
  const reply = (status, body) => ({ ok: status < 300, status, text: async () => JSON.stringify(body) });
  const fetch = async (url, options) => {
    requests.push({ url, authorization: options.headers.authorization });
    if (url === "/api/auth/refresh") return reply(200, { accessToken: "A2", refreshToken: "R2", user: null });
    if (url === "/api/join") return reply(...joinAnswers.shift());
    return reply(404, { error: "not_found" });
  };
  const auth = new Auth({
    fetch,
    storage: {
      getItem: (key) => authValues.get(key) ?? null,
      setItem: (key, value) => authValues.set(key, value),
      removeItem: (key) => authValues.delete(key),
    },
    timers: { setTimeout: () => 0, clearTimeout: () => {} },
  });
  return { auth, requests, api: (url, options) => auth.authorizedJSON(url, options) };
}

test("the directory's 401s go through auth: an expired access token is renewed and asked with again", async () => {
  const { auth, api, requests } = realAuth([
    [401, { error: "token_expired", message: "expired" }],
    [200, seatAt(NODE2, "S1")],
  ]);
  const { connection } = setup({}, { auth, api });
  connection.join();
  await settle();
  const socket = await opened();
  assert.deepEqual(requests, [
    { url: "/api/join", authorization: "Bearer A1" },
    { url: "/api/auth/refresh", authorization: undefined },
    { url: "/api/join", authorization: "Bearer A2" },
  ]);
  assert.equal(socket.url, NODE2);
  assert.deepEqual(socket.sent, [{ t: "join", access: "A2", seat: "S1" }]);
});

test("the directory's 401 for a revoked token signs the player out", async () => {
  let lost = 0;
  const { auth, api } = realAuth([[401, { error: "token_revoked", message: "revoked" }]]);
  auth.onSignedOut = () => { lost += 1; };
  const { connection, statuses, pending } = setup({}, { auth, api });
  connection.join();
  await settle();
  await settle();
  assert.equal(statuses.length, 1);
  assert.equal(statuses[0].state, "signed_out");
  assert.equal(lost, 1);
  assert.equal(auth.signedIn, false);
  assert.equal(FakeSocket.opened.length, 0);
  assert.equal(pending.length, 0);
});

test("a seat join refused with an expired access token renews it and sends the seat again", async () => {
  const { connection, directory, auth } = setup();
  directory.answers(seatAt(NODE2, "S1"));
  connection.join();
  const socket = await opened();
  socket.deliver({ t: "error", code: "token_expired", message: "expired", ref: "join" });
  await settle();
  assert.deepEqual(auth.refreshes, ["A1"]);
  assert.equal(FakeSocket.opened.length, 1);
  assert.deepEqual(socket.sent, [
    { t: "join", access: "A1", seat: "S1" },
    { t: "join", access: "A2", seat: "S1" },
  ]);
});

test("leaving while the directory is asked opens nothing", async () => {
  const { connection, directory, statuses, values } = setup();
  let answer;
  directory.answers(new Promise((resolve) => { answer = resolve; }));
  connection.join();
  await settle();
  connection.leave();
  answer(seatAt(NODE2, "S1"));
  await settle();
  assert.equal(FakeSocket.opened.length, 0);
  assert.deepEqual(statuses, []);
  assert.equal(values.size, 0);
});

test("the token and its node are forgotten together: leaving, being signed out, a final close", async () => {
  const kept = { [TOKEN_KEY]: "T1", [NODE_KEY]: NODE2 };

  const leaving = setup(kept);
  leaving.connection.join();
  (await opened()).deliver(welcome("T2", true));
  leaving.connection.leave();
  assert.equal(leaving.values.has(TOKEN_KEY), false);
  assert.equal(leaving.values.has(NODE_KEY), false);

  const signedOut = setup(kept);
  signedOut.connection.join();
  (await opened()).deliver({ t: "error", code: "token_revoked", message: "no" });
  assert.equal(signedOut.values.has(TOKEN_KEY), false);
  assert.equal(signedOut.values.has(NODE_KEY), false);

  const closed = setup(kept);
  closed.connection.join();
  const socket = await opened();
  socket.deliver(welcome("T2", true));
  socket.drop(4001);
  assert.equal(closed.statuses.at(-1).state, "closed");
  assert.equal(closed.values.has(TOKEN_KEY), false);
  assert.equal(closed.values.has(NODE_KEY), false);

  // The page forgets them so too (signing out, another sign-in).
  const page = setup(kept);
  forgetReconnection(page.storage);
  assert.equal(page.values.size, 0);
});
