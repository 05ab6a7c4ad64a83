// Signing in, keeping the pair, and renewing it: one refresh at a time,
// never the same refresh token twice, the new pair stored first.
import { test } from "node:test";
import assert from "node:assert/strict";

import { ApiError } from "../src/api.js";
import {
  AUTH_KEY, Auth, REFRESH_MARGIN_MS, RETRY_MS, SignedOutError, expiryOf, tokenClaims,
} from "../src/auth.js";

const MINUTE = 60_000;

function base64Url(text) {
  return Buffer.from(text, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// An unsigned JWT-shaped token; the client never checks signatures.
function jwt(claims) {
  return `${base64Url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64Url(JSON.stringify(claims))}.sig`;
}

// A fake server for /api/auth/*: every refresh token is good once.
class FakeServer {
  constructor(clock) {
    this.clock = clock;
    this.requests = [];
    this.issued = 0;
    this.live = new Set();
    this.held = null;
    this.failNext = null;
  }

  pair() {
    this.issued += 1;
    const iat = Math.floor(this.clock.now / 1000);
    const refreshToken = `R${this.issued}`;
    this.live.add(refreshToken);
    return {
      accessToken: jwt({ sub: "7", name: "Ada", avatar: "fox", iat, exp: iat + 15 * 60, jti: `j${this.issued}` }),
      refreshToken,
      user: { id: 7, name: "Ada", avatar: "fox", username: null, guest: true },
    };
  }

  // Holds the next answer until release() is called.
  hold() {
    let release;
    this.held = new Promise((resolve) => { release = resolve; });
    return () => release();
  }

  fetch = async (url, options) => {
    const body = options.body === undefined ? undefined : JSON.parse(options.body);
    this.requests.push({ url, method: options.method, body, authorization: options.headers.authorization });
    if (this.held) {
      const held = this.held;
      this.held = null;
      await held;
    }
    if (this.failNext) {
      const failure = this.failNext;
      this.failNext = null;
      if (failure === "network") throw new TypeError("Failed to fetch");
      return response(failure.status, failure.body);
    }
    if (url === "/api/auth/guest") return response(200, this.pair());
    if (url === "/api/auth/refresh") {
      if (!this.live.delete(body.refreshToken)) {
        return response(401, { error: "refresh_reused", message: "already used" });
      }
      return response(200, this.pair());
    }
    if (url === "/api/auth/logout") return response(200, {});
    if (url === "/api/auth/login") return response(401, { error: "bad_credentials", message: "wrong username or password" });
    return response(404, { error: "not_found", message: "no such API endpoint" });
  };
}

function response(status, body) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return { ok: status >= 200 && status < 300, status, text: async () => text };
}

function memoryStorage(initial = {}) {
  const values = new Map(Object.entries(initial));
  return {
    values,
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => values.set(key, value),
    removeItem: (key) => values.delete(key),
  };
}

class FakeTimers {
  constructor(clock) {
    this.clock = clock;
    this.pending = new Map();
    this.next = 1;
  }
  setTimeout = (callback, ms) => {
    const id = this.next++;
    this.pending.set(id, { callback, at: this.clock.now + ms });
    return id;
  };
  clearTimeout = (id) => { this.pending.delete(id); };
  // Move the clock on, running what falls due.
  advance(ms) {
    this.clock.now += ms;
    for (const [id, timer] of [...this.pending]) {
      if (timer.at <= this.clock.now) {
        this.pending.delete(id);
        timer.callback();
      }
    }
  }
}

function setup() {
  const clock = { now: 1_700_000_000_000 };
  const server = new FakeServer(clock);
  const storage = memoryStorage();
  const timers = new FakeTimers(clock);
  let signedOut = 0;
  const auth = new Auth({
    fetch: server.fetch, storage, timers, now: () => clock.now, onSignedOut: () => { signedOut += 1; },
  });
  return { auth, server, storage, timers, clock, signedOut: () => signedOut };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const refreshes = (server) => server.requests.filter((r) => r.url === "/api/auth/refresh");

test("a JWT's claims are read without a library, and the lifetime counts from arrival", () => {
  const token = jwt({ sub: "7", name: "Zoë", iat: 1000, exp: 1900 });
  assert.equal(tokenClaims(token).name, "Zoë");
  assert.equal(tokenClaims("not a token"), null);
  assert.equal(tokenClaims("a.b!!.c"), null);
  // The client's clock is an hour off; the token still lives 15 minutes.
  assert.equal(expiryOf(token, 5_000_000), 5_000_000 + 900_000);
  assert.equal(expiryOf(jwt({ exp: 1900 }), 0), 1_900_000);
  assert.equal(expiryOf(jwt({ sub: "7" }), 0), null);
});

test("a guest sign-in stores the pair and the user", async () => {
  const { auth, server, storage, clock } = setup();
  const user = await auth.guest({ name: "Ada", avatar: "fox" });
  assert.equal(user.id, 7);
  assert.deepEqual(server.requests[0].body, { name: "Ada", avatar: "fox" });
  const stored = JSON.parse(storage.getItem(AUTH_KEY));
  assert.equal(stored.refreshToken, "R1");
  assert.equal(stored.expiresAt, clock.now + 15 * MINUTE);
  assert.equal(auth.signedIn, true);
  assert.equal(auth.user.name, "Ada");
  // Fresh: no refresh needed.
  assert.equal(await auth.accessToken(), stored.accessToken);
  assert.equal(refreshes(server).length, 0);
});

test("sign-in errors carry the server's message", async () => {
  const { auth, server } = setup();
  await assert.rejects(auth.login({ username: "ada", password: "nope nope" }),
    (error) => error instanceof ApiError && error.code === "bad_credentials" && error.message === "Wrong username or password.");
  server.failNext = { status: 409, body: { error: "username_taken", message: "That username is taken." } };
  // The server's messages read as sentences, whatever their case.
  await assert.rejects(auth.register({ username: "ada", password: "long enough", name: "Ada", avatar: "fox" }),
    { code: "username_taken", message: "That username is taken." });
  assert.equal(auth.signedIn, false);
});

test("bad answers become readable errors, never raw exceptions", async () => {
  const { auth, server } = setup();
  server.failNext = "network";
  await assert.rejects(auth.guest({ name: "Ada", avatar: "fox" }), { code: "network", status: 0 });
  server.failNext = { status: 502, body: "<html>Bad gateway</html>" };
  await assert.rejects(auth.guest({ name: "Ada", avatar: "fox" }), (error) =>
    error instanceof ApiError && /server had a problem/.test(error.message));
  server.failNext = { status: 200, body: "{\"accessToken\": 1}" };
  await assert.rejects(auth.guest({ name: "Ada", avatar: "fox" }), { code: "bad_response" });
  server.failNext = { status: 200, body: "not json" };
  await assert.rejects(auth.guest({ name: "Ada", avatar: "fox" }), { code: "bad_response" });
  assert.equal(auth.signedIn, false);
});

test("an access token near expiry is renewed first, and the new pair stored", async () => {
  const { auth, server, storage, clock } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  clock.now += 15 * MINUTE - REFRESH_MARGIN_MS + 1;
  const access = await auth.accessToken();
  assert.deepEqual(refreshes(server).map((r) => r.body), [{ refreshToken: "R1" }]);
  const stored = JSON.parse(storage.getItem(AUTH_KEY));
  assert.equal(stored.refreshToken, "R2");
  assert.equal(stored.accessToken, access);
});

test("refreshes at the same time share one request: a refresh token is spent once", async () => {
  const { auth, server, clock } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  clock.now += 15 * MINUTE;
  const release = server.hold();
  const asked = [auth.accessToken(), auth.accessToken(), auth.refresh(), auth.accessToken()];
  await settle();
  release();
  const tokens = await Promise.all(asked);
  assert.equal(new Set(tokens).size, 1);
  assert.equal(refreshes(server).length, 1);
  // A later caller still holding the old token gets the new one, unspent.
  assert.equal(await auth.refresh("an older access token"), tokens[0]);
  assert.equal(refreshes(server).length, 1);
});

test("the new pair is stored before anyone hears of it", async () => {
  const { auth, storage, clock } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  clock.now += 15 * MINUTE;
  const access = await auth.accessToken();
  assert.equal(JSON.parse(storage.getItem(AUTH_KEY)).accessToken, access);
});

test("another tab's renewal is used rather than spending the old token again", async () => {
  const { auth, server, storage, clock } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  const first = auth.session.accessToken;
  // The other tab renews: storage now holds R2's pair.
  const renewed = server.pair();
  server.live.delete("R1");
  storage.setItem(AUTH_KEY, JSON.stringify({ ...renewed, expiresAt: clock.now + 15 * MINUTE }));
  assert.equal(await auth.refresh(first), renewed.accessToken);
  assert.equal(refreshes(server).length, 0);
});

test("a refused refresh forgets the tokens and says the player is signed out", async () => {
  const { auth, server, storage, clock, signedOut } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  server.live.clear();
  clock.now += 15 * MINUTE;
  await assert.rejects(auth.accessToken(), SignedOutError);
  assert.equal(storage.getItem(AUTH_KEY), null);
  assert.equal(signedOut(), 1);
  await assert.rejects(auth.accessToken(), SignedOutError);
});

test("a refresh that fails for want of a server keeps the tokens", async () => {
  const { auth, server, clock, signedOut } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  clock.now += 15 * MINUTE;
  server.failNext = { status: 503, body: "" };
  await assert.rejects(auth.accessToken(), { status: 503 });
  assert.equal(auth.signedIn, true);
  assert.equal(signedOut(), 0);
  await auth.accessToken();
  assert.equal(refreshes(server).length, 2);
});

test("a silent refresh runs a minute before expiry, and again for each new pair", async () => {
  const { auth, server, timers } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  timers.advance(15 * MINUTE - REFRESH_MARGIN_MS - 1);
  assert.equal(refreshes(server).length, 0);
  timers.advance(1);
  await settle();
  assert.equal(refreshes(server).length, 1);
  assert.equal(auth.session.refreshToken, "R2");
  assert.equal(timers.pending.size, 1);
  timers.advance(15 * MINUTE - REFRESH_MARGIN_MS);
  await settle();
  assert.equal(auth.session.refreshToken, "R3");
});

test("a failed silent refresh is retried", async () => {
  const { auth, server, timers } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  server.failNext = "network";
  timers.advance(15 * MINUTE - REFRESH_MARGIN_MS);
  await settle();
  assert.equal(auth.session.refreshToken, "R1");
  timers.advance(RETRY_MS);
  await settle();
  assert.equal(auth.session.refreshToken, "R2");
});

test("stored tokens from an earlier visit are renewed when expired, and the timer set", async () => {
  const { auth, server, storage, timers, clock } = setup();
  // Last week's visit left a pair whose access token has long expired.
  const old = server.pair();
  storage.setItem(AUTH_KEY, JSON.stringify({ ...old, expiresAt: clock.now - 7 * 24 * 60 * MINUTE }));
  auth.keepFresh();
  assert.equal(timers.pending.size, 1);
  const access = await auth.accessToken();
  assert.notEqual(access, old.accessToken);
  assert.deepEqual(refreshes(server).map((r) => r.body), [{ refreshToken: old.refreshToken }]);
});

test("an authorized request renews an expired token once and retries", async () => {
  const { auth, server } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  const first = auth.session.accessToken;
  const original = server.fetch;
  let chatCalls = 0;
  auth.fetch = async (url, options) => {
    if (url === "/api/chat/sessions") {
      chatCalls += 1;
      if (options.headers.authorization === `Bearer ${first}`) {
        return response(401, { error: "token_expired", message: "expired" });
      }
      return response(200, { sessions: [] });
    }
    return original(url, options);
  };
  assert.deepEqual(await auth.authorizedJSON("/api/chat/sessions"), { sessions: [] });
  assert.equal(chatCalls, 2);
  assert.equal(refreshes(server).length, 1);
});

test("a revoked token on a request signs the player out", async () => {
  const { auth, signedOut } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  const original = auth.fetch;
  auth.fetch = async (url, options) => (url === "/api/chat/sessions"
    ? response(401, { error: "token_revoked", message: "revoked" }) : original(url, options));
  await assert.rejects(auth.authorizedJSON("/api/chat/sessions"), SignedOutError);
  assert.equal(auth.signedIn, false);
  assert.equal(signedOut(), 1);
});

test("logging out revokes on the server with the bearer, and forgets locally even if that fails", async () => {
  const { auth, server, storage, timers } = setup();
  await auth.guest({ name: "Ada", avatar: "fox" });
  const access = auth.session.accessToken;
  await auth.logout();
  const logout = server.requests.at(-1);
  assert.equal(logout.url, "/api/auth/logout");
  assert.deepEqual(logout.body, { refreshToken: "R1" });
  assert.equal(logout.authorization, `Bearer ${access}`);
  assert.equal(storage.getItem(AUTH_KEY), null);
  assert.equal(timers.pending.size, 0);

  await auth.guest({ name: "Ada", avatar: "fox" });
  server.failNext = "network";
  await auth.logout();
  assert.equal(auth.signedIn, false);
});

test("unreadable storage counts as signed out; a storage that refuses writes still works", async () => {
  const { auth, storage } = setup();
  storage.setItem(AUTH_KEY, "{not json");
  assert.equal(auth.signedIn, false);
  storage.setItem = () => { throw new Error("QuotaExceededError"); };
  await auth.guest({ name: "Ada", avatar: "fox" });
  assert.equal(auth.signedIn, true);
  assert.equal(auth.user.id, 7);
});
