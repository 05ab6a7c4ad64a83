// Who the player is to the server: signing in (as a guest, or with a
// username and password), keeping the token pair in storage so a reload
// stays the same user, and handing out an access token that is still
// good, refreshing it first when it is close to expiry (docs/api.md).
//
// A refresh token is good exactly once, and presenting a spent one makes
// the server revoke the whole sign-in. So every refresh goes through one
// promise (and, where the browser has Web Locks, one lock across tabs),
// re-reads storage before spending a token (another tab may have renewed
// it already), and stores the new pair before anything else happens.
//
// fetch, storage, timers, the clock and the lock manager are passed in,
// so tests drive it without a browser.

import { ApiError, requestJSON } from "./api.js";

export const AUTH_KEY = "ark.auth";
// Renew this long before the access token expires, so a request sent
// just before the deadline does not arrive just after it.
export const REFRESH_MARGIN_MS = 60_000;
// A silent refresh that failed for a passing reason (no network, a server
// fault) is tried again after this long.
export const RETRY_MS = 15_000;
const LOCK_NAME = "ark.auth.refresh";
// What the API answers for an access token that no refresh can save.
const DEAD_TOKEN_CODES = new Set(["token_revoked", "token_invalid", "token_missing"]);

export class SignedOutError extends Error {
  constructor(message = "You have been signed out. Please sign in again.") {
    super(message);
    this.name = "SignedOutError";
    this.code = "signed_out";
  }
}

function base64UrlDecode(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

// The claims of a JWT, unverified (only the server can check the
// signature; the client only wants to know when to renew), or null.
export function tokenClaims(token) {
  if (typeof token !== "string") return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(base64UrlDecode(parts[1]));
    return claims !== null && typeof claims === "object" ? claims : null;
  } catch (error) {
    return null;
  }
}

// When an access token received at receivedAt (this machine's clock, ms)
// stops being good, on this machine's clock: its lifetime (exp - iat)
// counted from its arrival, so a client clock that is minutes off renews
// on time all the same. null when the token does not say.
export function expiryOf(accessToken, receivedAt) {
  const claims = tokenClaims(accessToken);
  if (claims === null || typeof claims.exp !== "number") return null;
  if (typeof claims.iat === "number" && claims.exp >= claims.iat) {
    return receivedAt + (claims.exp - claims.iat) * 1000;
  }
  return claims.exp * 1000;
}

function validSession(value) {
  return value !== null && typeof value === "object" &&
    typeof value.accessToken === "string" && value.accessToken !== "" &&
    typeof value.refreshToken === "string" && value.refreshToken !== "";
}

export class Auth {
  constructor({ fetch, storage, timers, now = () => Date.now(), locks = null, onSignedOut = () => {} }) {
    this.fetch = fetch;
    this.storage = storage;
    this.timers = timers;
    this.now = now;
    this.locks = locks;
    this.onSignedOut = onSignedOut;
    this.refreshing = null;
    this.timer = null;
    // The pair, when storage refused to keep it (private browsing, quota).
    this.unstored = null;
  }

  // The stored sign-in {accessToken, refreshToken, user, expiresAt}, read
  // afresh each time: another tab may have renewed it.
  get session() {
    if (this.unstored !== null) return this.unstored;
    try {
      const value = JSON.parse(this.storage.getItem(AUTH_KEY));
      return validSession(value) ? value : null;
    } catch (error) {
      return null;
    }
  }

  get signedIn() {
    return this.session !== null;
  }

  get user() {
    return this.session?.user ?? null;
  }

  guest({ name, avatar }) {
    return this._signIn("/api/auth/guest", { name, avatar });
  }

  login({ username, password }) {
    return this._signIn("/api/auth/login", { username, password });
  }

  register({ username, password, name, avatar }) {
    return this._signIn("/api/auth/register", { username, password, name, avatar });
  }

  // An access token good for at least REFRESH_MARGIN_MS, renewing first
  // when needed. Rejects with SignedOutError when there is no sign-in
  // left, or with an ApiError when the server could not renew it now.
  async accessToken() {
    const session = this.session;
    if (session === null) throw new SignedOutError();
    if (this._fresh(session)) return session.accessToken;
    return this.refresh(session.accessToken);
  }

  // Renew the pair, because `stale` (the access token the caller holds) is
  // expired or about to be. Callers at the same time share one renewal;
  // a caller whose token was already replaced just gets the new one.
  refresh(stale) {
    if (this.refreshing === null) {
      const renew = () => this._renew(stale);
      const run = this.locks ? this.locks.request(LOCK_NAME, renew) : renew();
      this.refreshing = run.finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  // Keep the access token fresh while the page is open: renew it about a
  // minute before it expires.
  keepFresh() {
    this._cancelTimer();
    const session = this.session;
    if (session === null || session.expiresAt === null || session.expiresAt === undefined) return;
    const delay = Math.max(0, session.expiresAt - REFRESH_MARGIN_MS - this.now());
    this._schedule(delay, session.accessToken);
  }

  // A JSON request to an endpoint that acts for the player, with the
  // access token as bearer; an expired token is renewed once and the
  // request sent again.
  async authorizedJSON(url, options = {}) {
    const access = await this.accessToken();
    try {
      return await requestJSON(this.fetch, url, { ...options, accessToken: access });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      if (error.code === "token_expired") {
        const renewed = await this.refresh(access);
        return requestJSON(this.fetch, url, { ...options, accessToken: renewed });
      }
      if (DEAD_TOKEN_CODES.has(error.code)) {
        this.lost();
        throw new SignedOutError();
      }
      throw error;
    }
  }

  // Sign out on purpose: the server revokes the tokens; whatever it says,
  // this page forgets them.
  async logout() {
    try {
      const access = await this.accessToken();
      // Read after accessToken(): it may have renewed the pair.
      const session = this.session;
      await requestJSON(this.fetch, "/api/auth/logout", {
        method: "POST", body: { refreshToken: session.refreshToken }, accessToken: access,
      });
    } catch (error) {
      // Signed out here in any case; the tokens expire on their own.
    } finally {
      this.forget();
    }
  }

  forget() {
    this._cancelTimer();
    this.unstored = null;
    try {
      this.storage.removeItem(AUTH_KEY);
    } catch (error) {
      // Nothing was kept, then.
    }
  }

  // The server no longer accepts this sign-in: forget it and say so.
  lost() {
    this.forget();
    this.onSignedOut();
  }

  async _signIn(url, body) {
    const answer = await requestJSON(this.fetch, url, { method: "POST", body });
    return this._store(answer).user;
  }

  _fresh(session) {
    return session.expiresAt === null || session.expiresAt === undefined ||
      session.expiresAt - this.now() > REFRESH_MARGIN_MS;
  }

  async _renew(stale) {
    const session = this.session;
    if (session === null) throw new SignedOutError();
    if (session.accessToken !== stale && this._fresh(session)) return session.accessToken;
    let answer;
    try {
      answer = await requestJSON(this.fetch, "/api/auth/refresh", {
        method: "POST", body: { refreshToken: session.refreshToken },
      });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.lost();
        throw new SignedOutError("Your sign-in has ended. Please sign in again.");
      }
      throw error;
    }
    return this._store(answer).accessToken;
  }

  // A sign-in answer: stored before anything else, since the refresh
  // token it replaces is spent.
  _store(answer) {
    if (!validSession(answer)) {
      throw new ApiError(200, "bad_response", "The server's sign-in answer could not be read.");
    }
    const session = {
      accessToken: answer.accessToken,
      refreshToken: answer.refreshToken,
      user: answer.user ?? null,
      expiresAt: expiryOf(answer.accessToken, this.now()),
    };
    try {
      this.storage.setItem(AUTH_KEY, JSON.stringify(session));
      this.unstored = null;
    } catch (error) {
      this.unstored = session;
    }
    this.keepFresh();
    return session;
  }

  _schedule(delay, access) {
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.refresh(access).then(
        () => this.keepFresh(),
        (error) => {
          // Signed out: lost() has already said so. Otherwise try again soon.
          if (!(error instanceof SignedOutError) && this.session !== null) this._schedule(RETRY_MS, access);
        },
      );
    }, delay);
  }

  _cancelTimer() {
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
