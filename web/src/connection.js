// The WebSocket to the world: joining with the player's access token (and
// resuming with the reconnection token kept in storage), reconnecting with
// backoff after an unexpected drop, and telling a join refused for good
// (closed at once, never retried) from a passing refusal (retried). Messages are CBOR
// (docs/protocol.md); the codec, the WebSocket class, storage, timers and
// the source of access tokens (auth.js) are passed in, so tests run it
// without a browser.

export const BACKOFF_SECONDS = [1, 2, 4, 8, 16];
export const TOKEN_KEY = "ark.reconnectToken";

// Close codes after which trying again would not help.
const FINAL_CLOSES = new Set([1000, 4001, 4003]);
// Join refusals that mean the sign-in itself is gone.
const SIGNED_OUT_CODES = new Set(["token_revoked", "token_invalid", "auth_required"]);
// Join refusals for a passing trouble at the server: the join is tried
// again on a new connection, with the backoff of an unexpected drop. Any
// other refusal (a map the server does not have, a join it cannot read)
// would be refused again: it is shown to the player, and final.
const RETRYABLE_JOIN_CODES = new Set(["rate_limited", "internal_error"]);
// What a socket is closed with when this side gives up on it without the
// server having closed it (any 4000-4999 code is ours to pick).
const ABANDONED = 4000;

export class Connection {
  // auth: { accessToken(): Promise<string>, refresh(stale): Promise<string> }
  constructor({ url, codec, WebSocket, storage, timers, auth, onMessage, onStatus }) {
    this.url = url;
    this.codec = codec;
    this.WebSocket = WebSocket;
    this.storage = storage;
    this.timers = timers;
    this.auth = auth;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.socket = null;
    this.attempt = 0;
    this.left = false;
    this.joined = false;
  }

  // Join as the signed-in player (request may name a map); a stored
  // reconnection token resumes the avatar held for us instead.
  join(request = {}) {
    this.request = request;
    this.left = false;
    this._open();
  }

  // Whether the message went out (nothing goes out before the welcome).
  send(message) {
    if (this.socket === null || !this.joined) return false;
    this.socket.send(this.codec.encode(message));
    return true;
  }

  leave() {
    this.left = true;
    this.storage.removeItem(TOKEN_KEY);
    if (this.socket !== null) {
      if (this.joined) this.socket.send(this.codec.encode({ t: "leave" }));
      else this.socket.close(1000);
    }
  }

  _open() {
    const socket = new this.WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    this.joined = false;
    // A refused join may be retried on the same connection once its
    // access token has been renewed; once is enough.
    this.renewedForJoin = false;
    socket.onopen = () => this._sendJoin(socket);
    socket.onmessage = (event) => this._received(socket, event.data);
    socket.onclose = (event) => this._closed(socket, event.code);
  }

  // The access token is asked for on every attempt: the one the last
  // attempt used may have expired while the connection was down.
  async _sendJoin(socket) {
    let access;
    try {
      access = await this.auth.accessToken();
    } catch (error) {
      if (socket === this.socket) this._authFailed(socket, error);
      return;
    }
    if (socket !== this.socket) return;
    this.sentAccess = access;
    const token = this.storage.getItem(TOKEN_KEY);
    const message = token ? { t: "join", access, token } : { t: "join", access, ...this.request };
    socket.send(this.codec.encode(message));
  }

  async _renewAndJoin(socket) {
    try {
      await this.auth.refresh(this.sentAccess);
    } catch (error) {
      if (socket === this.socket) this._authFailed(socket, error);
      return;
    }
    if (socket === this.socket) this._sendJoin(socket);
  }

  // No access token to join with: signed out for good, or the server could
  // not renew it just now (then this attempt counts as a failed one).
  _authFailed(socket, error) {
    if (error?.code === "signed_out") {
      this._signedOut(socket, error.message);
      return;
    }
    socket.onclose = null;
    socket.close(ABANDONED);
    this._closed(socket, ABANDONED);
  }

  // Give up on the socket as a failed network would: the server is not
  // told (it holds the avatar for a while), and this side reconnects as
  // after any unexpected drop (1006). What the end-to-end tests use for
  // a cut cable, which a page cannot cause.
  drop() {
    const socket = this.socket;
    if (socket === null) return false;
    socket.onclose = null;
    socket.onmessage = null;
    socket.close();
    this._closed(socket, 1006);
    return true;
  }

  // The server refused the join for good: say why, close, and stay closed.
  _refused(socket, error) {
    this.left = true;
    socket.onclose = null;
    socket.close(1000);
    this.socket = null;
    this.onStatus({ state: "refused", code: error.code, reason: error.message ?? error.code });
  }

  _signedOut(socket, reason) {
    this.left = true;
    socket.onclose = null;
    socket.close(1000);
    this.socket = null;
    this.storage.removeItem(TOKEN_KEY);
    this.onStatus({ state: "signed_out", reason });
  }

  _received(socket, data) {
    if (socket !== this.socket) return;
    const message = this.codec.decode(new Uint8Array(data));
    if (!this.joined) {
      if (message.t === "welcome") {
        this.joined = true;
        this.attempt = 0;
        this.storage.setItem(TOKEN_KEY, message.token);
        this.onStatus({ state: "connected", resumed: message.resumed });
      } else if (message.t === "error" && message.code === "bad_token") {
        // The held avatar is gone (the hold ran out): join afresh.
        this.storage.removeItem(TOKEN_KEY);
        this._sendJoin(socket);
        return;
      } else if (message.t === "error" && message.code === "token_expired" && !this.renewedForJoin) {
        this.renewedForJoin = true;
        this._renewAndJoin(socket);
        return;
      } else if (message.t === "error" && SIGNED_OUT_CODES.has(message.code)) {
        this._signedOut(socket, message.message);
        return;
      } else if (message.t === "error" && RETRYABLE_JOIN_CODES.has(message.code)) {
        socket.onclose = null;
        socket.close(ABANDONED);
        this._closed(socket, ABANDONED);
        return;
      } else if (message.t === "error") {
        this._refused(socket, message);
        return;
      }
    } else if (message.t === "welcome") {
      // Moved to another map on the same connection: the avatar held for
      // a reconnection is now the one there.
      this.storage.setItem(TOKEN_KEY, message.token);
    }
    this.onMessage(message);
  }

  _closed(socket, code) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.joined = false;
    if (this.left || FINAL_CLOSES.has(code)) {
      if (code !== 1000 && !this.left) this.storage.removeItem(TOKEN_KEY);
      this.onStatus({ state: this.left || code === 1000 ? "left" : "closed", code });
      return;
    }
    if (this.attempt >= BACKOFF_SECONDS.length) {
      this.onStatus({ state: "failed", reason: "the server could not be reached" });
      return;
    }
    const delay = BACKOFF_SECONDS[this.attempt];
    this.attempt += 1;
    this.onStatus({ state: "reconnecting", attempt: this.attempt, delaySeconds: delay });
    this.timers.setTimeout(() => this._open(), delay * 1000);
  }
}
