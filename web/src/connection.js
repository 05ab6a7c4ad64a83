// The WebSocket to the world: joining (or resuming with the reconnection
// token kept in storage), reconnecting with backoff after an unexpected
// drop, and nothing else. Messages are CBOR (docs/protocol.md); the codec,
// the WebSocket class, storage and timers are passed in, so tests run it
// without a browser.

export const BACKOFF_SECONDS = [1, 2, 4, 8, 16];
export const TOKEN_KEY = "ark.reconnectToken";

// Close codes after which trying again would not help.
const FINAL_CLOSES = new Set([1000, 4001, 4003]);

export class Connection {
  constructor({ url, codec, WebSocket, storage, timers, onMessage, onStatus }) {
    this.url = url;
    this.codec = codec;
    this.WebSocket = WebSocket;
    this.storage = storage;
    this.timers = timers;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.socket = null;
    this.attempt = 0;
    this.left = false;
    this.joined = false;
  }

  // Join with a display name and avatar (and map); a stored token resumes
  // the avatar held for us instead.
  join(request) {
    this.request = request;
    this.left = false;
    this._open();
  }

  send(message) {
    if (this.socket !== null && this.joined) this.socket.send(this.codec.encode(message));
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
    socket.onopen = () => this._sendJoin(this.storage.getItem(TOKEN_KEY));
    socket.onmessage = (event) => this._received(event.data);
    socket.onclose = (event) => this._closed(socket, event.code);
  }

  _sendJoin(token) {
    const message = token ? { t: "join", token } : { t: "join", ...this.request };
    this.socket.send(this.codec.encode(message));
  }

  _received(data) {
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
        this._sendJoin(null);
        return;
      } else if (message.t === "error") {
        this.onStatus({ state: "failed", reason: message.message });
        return;
      }
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
