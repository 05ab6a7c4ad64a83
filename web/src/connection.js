// The WebSocket to the world: finding where to join (seats.js: the node
// that holds the map, and a seat there), joining with the player's access
// token (or resuming, on the node that gave it, with the reconnection
// token kept in storage), reconnecting with backoff after an unexpected
// drop, and telling a join refused for good (closed at once, never
// retried) from a passing refusal (retried). Messages are CBOR
// (docs/protocol.md); the codec, the WebSocket class, storage, timers,
// the source of access tokens (auth.js) and the HTTP API are passed in,
// so tests run it without a browser.

import { findSeat, seatTrouble } from "./seats.js";

export const BACKOFF_SECONDS = [1, 2, 4, 8, 16];
export const TOKEN_KEY = "ark.reconnectToken";
// The WebSocket address of the node that gave the reconnection token:
// kept, and forgotten, with it.
export const NODE_KEY = "ark.reconnectNode";

// Close codes after which trying again would not help.
const FINAL_CLOSES = new Set([1000, 4001, 4003]);
// Join refusals that mean the sign-in itself is gone.
const SIGNED_OUT_CODES = new Set(["token_revoked", "token_invalid", "auth_required"]);
// Join refusals for a passing trouble at the server: the join is tried
// again on a new connection, with the backoff of an unexpected drop (a
// seat gone stale, a map another node holds, a directory out of reach:
// with a new seat). Any
// other refusal (a map the server does not have, a join it cannot read)
// would be refused again: it is shown to the player, and final.
const RETRYABLE_JOIN_CODES = new Set(["rate_limited", "internal_error", "seat_invalid", "other_node", "try_again"]);
// What a socket is closed with when this side gives up on it without the
// server having closed it (any 4000-4999 code is ours to pick).
const ABANDONED = 4000;
// What a socket that never connected counts as.
const UNREACHABLE = 1006;

// Forget the avatar held for a reconnection (leaving, signing out).
export function forgetReconnection(storage) {
  storage.removeItem(TOKEN_KEY);
  storage.removeItem(NODE_KEY);
}

export class Connection {
  // url: the page's own /ws (a single server's, or where the directory
  // sends us when it names no address); auth: { accessToken():
  // Promise<string>, refresh(stale): Promise<string> }; api(url, options):
  // an authorized JSON request (auth.authorizedJSON), for POST /api/join.
  constructor({ url, codec, WebSocket, storage, timers, auth, api, onMessage, onStatus }) {
    this.url = url;
    this.codec = codec;
    this.WebSocket = WebSocket;
    this.storage = storage;
    this.timers = timers;
    this.auth = auth;
    this.api = api;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.socket = null;
    // The socket's address, what its join says ({ token }, { seat }, or
    // the page's request to a server without nodes) and whether it opened.
    this.socketUrl = null;
    this.joinWith = null;
    this.opened = false;
    // A POST /api/join under way (an object, for identity), or null.
    this.asking = null;
    // The last resume could not reach its node: ask where to go first.
    this.resumeFailed = false;
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
    this.asking = null;
    forgetReconnection(this.storage);
    if (this.socket !== null) {
      if (this.joined) this.socket.send(this.codec.encode({ t: "leave" }));
      else this.socket.close(1000);
    }
  }

  // One attempt: resume on the node that holds the avatar, or ask where
  // to join and join there. After a resume that could not reach its
  // node, ask first: the node may be gone.
  _open() {
    if (this.left) return;
    const token = this.storage.getItem(TOKEN_KEY);
    if (token !== null && !this.resumeFailed) this._connect(this._heldAt(), { token });
    else this._seek(null);
  }

  // The node that gave the reconnection token (the page's own /ws for a
  // token kept before there were nodes).
  _heldAt() {
    return this.storage.getItem(NODE_KEY) ?? this.url;
  }

  // Ask where to join (seats.js), then join there: on `socket` (open,
  // its resume refused) when it is at that address already, else on a new
  // socket. After a resume that could not reach its node, the token is
  // kept while the directory names that node (it lives: resume there
  // again) and while the directory cannot be asked (our own network may
  // be what failed); it is forgotten when a seat is elsewhere.
  async _seek(socket) {
    const asking = {};
    this.asking = asking;
    let place = null;
    let failure = null;
    try {
      place = await findSeat(this.api, { map: this.request.map, ownUrl: this.url });
    } catch (error) {
      failure = error;
    }
    // Left meanwhile, or the socket closed (its reconnection takes over).
    if (this.asking !== asking || socket !== this.socket) return;
    this.asking = null;
    if (failure !== null) {
      this._noSeat(socket, failure);
      return;
    }
    const token = this.storage.getItem(TOKEN_KEY);
    if (this.resumeFailed && token !== null) {
      if (place.seat === null || place.url === this._heldAt()) {
        this._connect(this._heldAt(), { token });
        return;
      }
      forgetReconnection(this.storage);
    }
    const joinWith = place.seat === null ? { ...this.request } : { seat: place.seat };
    if (socket !== null && place.url === this.socketUrl) {
      this.joinWith = joinWith;
      this._sendJoin(socket);
      return;
    }
    if (socket !== null) this._forsake(socket);
    this._connect(place.url, joinWith);
  }

  // No seat to be had: signed out, refused for good, or not now.
  _noSeat(socket, error) {
    const trouble = seatTrouble(error);
    if (trouble === "signed_out") this._signedOut(socket, error.message);
    else if (trouble === "final") this._refused(socket, error);
    else this._abandon(socket);
  }

  _connect(url, joinWith) {
    this.socketUrl = url;
    this.joinWith = joinWith;
    this.opened = false;
    this.joined = false;
    // A refused join may be retried on the same connection once its
    // access token has been renewed; once is enough.
    this.renewedForJoin = false;
    let socket;
    try {
      socket = new this.WebSocket(url);
    } catch (error) {
      // An address the browser will not open (malformed, or ws: from an
      // https: page): as a node that cannot be reached.
      this.socket = null;
      this._ended(UNREACHABLE);
      return;
    }
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      this.opened = true;
      this._sendJoin(socket);
    };
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
    socket.send(this.codec.encode({ t: "join", access, ...this.joinWith }));
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
    this._abandon(socket);
  }

  // Give up on this attempt as a failed one: its socket, if it has one,
  // is closed, and the next attempt waits its backoff.
  _abandon(socket) {
    if (socket === null) {
      this._retry();
      return;
    }
    socket.onclose = null;
    socket.close(ABANDONED);
    this._closed(socket, ABANDONED);
  }

  // Done with a socket that is not joined (the seat is on another node):
  // its close is no drop.
  _forsake(socket) {
    socket.onclose = null;
    socket.onmessage = null;
    socket.close(1000);
    if (socket === this.socket) this.socket = null;
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
    if (socket !== null) {
      socket.onclose = null;
      socket.close(1000);
    }
    this.socket = null;
    this.onStatus({ state: "refused", code: error.code, reason: error.message ?? error.code });
  }

  _signedOut(socket, reason) {
    this.left = true;
    if (socket !== null) {
      socket.onclose = null;
      socket.close(1000);
    }
    this.socket = null;
    forgetReconnection(this.storage);
    this.onStatus({ state: "signed_out", reason });
  }

  _received(socket, data) {
    if (socket !== this.socket) return;
    const message = this.codec.decode(new Uint8Array(data));
    if (!this.joined) {
      if (message.t === "welcome") {
        this.joined = true;
        this.attempt = 0;
        this._keep(message.token);
        this.onStatus({ state: "connected", resumed: message.resumed });
      } else if (message.t === "error" && message.code === "bad_token") {
        // The held avatar is gone (the hold ran out): join afresh, where
        // the directory says.
        forgetReconnection(this.storage);
        this._seek(socket);
        return;
      } else if (message.t === "error" && message.code === "token_expired" && !this.renewedForJoin) {
        this.renewedForJoin = true;
        this._renewAndJoin(socket);
        return;
      } else if (message.t === "error" && SIGNED_OUT_CODES.has(message.code)) {
        this._signedOut(socket, message.message);
        return;
      } else if (message.t === "error" && RETRYABLE_JOIN_CODES.has(message.code)) {
        this._abandon(socket);
        return;
      } else if (message.t === "error") {
        this._refused(socket, message);
        return;
      }
    } else if (message.t === "welcome") {
      // Moved to another map on the same connection: the avatar held for
      // a reconnection is now the one there.
      this._keep(message.token);
    } else if (message.t === "go") {
      // Through a door to a map another node holds: our avatar here is
      // gone; join there with the seat the server reserved (its welcome
      // is a move, as through any door).
      forgetReconnection(this.storage);
      this._forsake(socket);
      this._connect(message.url ?? this.url, { seat: message.seat });
      return;
    }
    this.onMessage(message);
  }

  // A welcome's reconnection token, with the node it resumes on.
  _keep(token) {
    this.storage.setItem(TOKEN_KEY, token);
    this.storage.setItem(NODE_KEY, this.socketUrl);
  }

  _closed(socket, code) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.joined = false;
    this._ended(code);
  }

  // The attempt's socket is gone (closed, or never made): stay closed,
  // or try again.
  _ended(code) {
    if (this.left || FINAL_CLOSES.has(code)) {
      if (code !== 1000 && !this.left) forgetReconnection(this.storage);
      this.onStatus({ state: this.left || code === 1000 ? "left" : "closed", code });
      return;
    }
    // A resume that never reached its node: the next attempt asks where
    // to go (seats.js) before resuming.
    this.resumeFailed = this.joinWith !== null && "token" in this.joinWith && !this.opened;
    this._retry();
  }

  _retry() {
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
