// Stand-ins for the browser's media pieces, shared by the talking tests:
// timers that run when told, tracks and streams, an RTCPeerConnection
// that negotiates for real (offers, answers, rollbacks, directions, ICE
// credentials) with a JSON "SDP", an AudioContext that records what it is
// asked, and just enough of a document for the nearby strip.
// (Not a test file itself; node --test runs it and finds no tests.)

// Lets chains of promises and queued tasks run.
export async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export class FakeTimers {
  constructor() {
    this.now = 0;
    this.nextId = 1;
    this.waiting = new Map();
  }
  setTimeout(callback, ms = 0) {
    const id = this.nextId++;
    this.waiting.set(id, { callback, at: this.now + ms });
    return id;
  }
  clearTimeout(id) {
    this.waiting.delete(id);
  }
  get pending() {
    return this.waiting.size;
  }
  // Move time on by ms, running what comes due, in order.
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      let next = null;
      for (const [id, timer] of this.waiting) {
        if (timer.at <= end && (next === null || timer.at < next[1].at)) next = [id, timer];
      }
      if (next === null) break;
      this.waiting.delete(next[0]);
      this.now = next[1].at;
      next[1].callback();
    }
    this.now = end;
  }
}

export class FakeEvents {
  constructor() {
    this.listeners = new Map();
  }
  addEventListener(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(listener);
  }
  removeEventListener(type, listener) {
    this.listeners.get(type)?.delete(listener);
  }
  dispatch(type, event = {}) {
    for (const listener of [...(this.listeners.get(type) ?? [])]) listener({ type, ...event });
  }
  listening(type) {
    return this.listeners.get(type)?.size ?? 0;
  }
}

let trackNumber = 0;

export class FakeTrack extends FakeEvents {
  constructor(kind, { muted = false, label = "" } = {}) {
    super();
    this.kind = kind;
    this.id = `${kind}-${++trackNumber}`;
    this.label = label;
    this.muted = muted;
    this.enabled = true;
    this.readyState = "live";
  }
  stop() {
    this.readyState = "ended";
  }
  setMuted(muted) {
    if (this.muted === muted) return;
    this.muted = muted;
    this.dispatch(muted ? "mute" : "unmute");
  }
  // The device went away.
  end() {
    this.readyState = "ended";
    this.dispatch("ended");
  }
}

export class FakeStream {
  constructor(tracks = []) {
    this.tracks = [...tracks];
  }
  getTracks() {
    return [...this.tracks];
  }
  getAudioTracks() {
    return this.tracks.filter((track) => track.kind === "audio");
  }
  getVideoTracks() {
    return this.tracks.filter((track) => track.kind === "video");
  }
}

// --- WebRTC -----------------------------------------------------------

const sends = (direction) => direction === "sendrecv" || direction === "sendonly";
const receives = (direction) => direction === "sendrecv" || direction === "recvonly";
const directionOf = (send, receive) => (send ? (receive ? "sendrecv" : "sendonly") : (receive ? "recvonly" : "inactive"));
const reverse = (direction) => directionOf(receives(direction), sends(direction));
const intersect = (a, b) => directionOf(sends(a) && sends(b), receives(a) && receives(b));

function failure(name) {
  return Object.assign(new Error(name), { name });
}

class FakeTransceiver {
  constructor(pc, kind, direction, mid = null) {
    this.pc = pc;
    this.kind = kind;
    this.ownDirection = direction;
    this.mid = mid;
    this.currentDirection = null;
    // What this side put in its last description for this m-line, whether
    // that was an offer or an answer, and what the other side offered.
    this.described = null;
    this.role = null;
    this.offered = null;
    const sender = { track: null, replaced: [] };
    sender.replaceTrack = async (track) => {
      if (pc.closed) throw failure("InvalidStateError");
      sender.track = track;
      sender.replaced.push(track);
    };
    this.sender = sender;
    this.receiver = { track: new FakeTrack(kind, { muted: true }) };
    this.receiving = false;
  }
  get direction() {
    return this.ownDirection;
  }
  set direction(direction) {
    this.ownDirection = direction;
    this.pc.checkNegotiation();
  }
  needsNegotiation() {
    if (this.mid === null) return true;
    if (this.role === "offer") return this.ownDirection !== this.described;
    return intersect(this.ownDirection, reverse(this.offered)) !== this.described;
  }
  // The other side's description says it sends on this m-line, or not.
  remoteSends(sending) {
    const track = this.receiver.track;
    if (sending && !this.receiving) {
      this.receiving = true;
      track.setMuted(false);
      this.pc.ontrack?.({ track, transceiver: this });
    } else if (!sending && this.receiving) {
      this.receiving = false;
      track.setMuted(true);
    }
  }
}

let credentials = 0;

export class FakePeerConnection {
  static made = [];

  constructor(configuration = {}) {
    this.configuration = { ...configuration };
    this.signalingState = "stable";
    this.connectionState = "new";
    this.transceivers = [];
    this.localDescription = null;
    this.remoteDescription = null;
    this.remoteUfrag = null;
    this.ufrag = `ufrag${++credentials}`;
    this.restartPending = false;
    this.restarts = 0;
    this.checkQueued = false;
    this.nextMid = 0;
    this.added = [];
    this.closed = false;
    this.stats = new Map();
    this.onnegotiationneeded = null;
    this.onicecandidate = null;
    this.ontrack = null;
    this.onconnectionstatechange = null;
    FakePeerConnection.made.push(this);
  }

  getConfiguration() {
    return { ...this.configuration };
  }

  setConfiguration(configuration) {
    this.configuration = { ...configuration };
  }

  getTransceivers() {
    return [...this.transceivers];
  }

  addTransceiver(kind, { direction = "sendrecv" } = {}) {
    const transceiver = new FakeTransceiver(this, kind, direction);
    this.transceivers.push(transceiver);
    this.checkNegotiation();
    return transceiver;
  }

  restartIce() {
    this.restarts++;
    this.restartPending = true;
    this.checkNegotiation();
  }

  // As browsers do: a task after a change, and again back in stable.
  checkNegotiation() {
    if (this.checkQueued || this.closed) return;
    this.checkQueued = true;
    setImmediate(() => {
      this.checkQueued = false;
      if (this.closed || this.signalingState !== "stable") return;
      if (this.restartPending || this.transceivers.some((transceiver) => transceiver.needsNegotiation())) {
        this.onnegotiationneeded?.();
      }
    });
  }

  async setLocalDescription(description) {
    await null;
    if (this.closed) throw failure("InvalidStateError");
    const type = description?.type ?? (this.signalingState === "have-remote-offer" ? "answer" : "offer");
    if (type === "offer") {
      if (this.signalingState !== "stable" && this.signalingState !== "have-local-offer") throw failure("InvalidStateError");
      if (this.restartPending) {
        this.ufrag = `ufrag${++credentials}`;
        this.restartPending = false;
      }
      for (const transceiver of this.transceivers) {
        if (transceiver.mid === null) transceiver.mid = String(this.nextMid++);
      }
      const lines = this.transceivers.map((transceiver) => [transceiver.mid, transceiver.kind, transceiver.direction]);
      this.localDescription = { type, sdp: JSON.stringify({ ufrag: this.ufrag, m: lines }) };
      this.signalingState = "have-local-offer";
      return;
    }
    if (this.signalingState !== "have-remote-offer") throw failure("InvalidStateError");
    const offer = JSON.parse(this.remoteDescription.sdp);
    const lines = offer.m.map(([mid, kind, offered]) => {
      const transceiver = this.transceivers.find((each) => each.mid === mid);
      const answered = intersect(transceiver.direction, reverse(offered));
      Object.assign(transceiver, { described: answered, role: "answer", offered, currentDirection: answered });
      return [mid, kind, answered];
    });
    this.localDescription = { type, sdp: JSON.stringify({ ufrag: this.ufrag, m: lines }) };
    this.signalingState = "stable";
    this.checkNegotiation();
  }

  async setRemoteDescription(description) {
    await null;
    if (this.closed) throw failure("InvalidStateError");
    const { ufrag, m } = JSON.parse(description.sdp);
    if (description.type === "offer") {
      if (this.signalingState === "have-local-offer") {
        // The implicit rollback of perfect negotiation's polite side.
        this.rolledBack = (this.rolledBack ?? 0) + 1;
        this.signalingState = "stable";
        this.localDescription = null;
      } else if (this.signalingState !== "stable") {
        throw failure("InvalidStateError");
      }
      for (const [mid, kind, offered] of m) {
        let transceiver = this.transceivers.find((each) => each.mid === mid);
        if (transceiver === undefined) {
          transceiver = new FakeTransceiver(this, kind, "recvonly", mid);
          this.transceivers.push(transceiver);
        }
        transceiver.remoteSends(sends(offered));
      }
      this.remoteDescription = description;
      this.remoteUfrag = ufrag;
      this.signalingState = "have-remote-offer";
      return;
    }
    if (this.signalingState !== "have-local-offer") throw failure("InvalidStateError");
    const offered = JSON.parse(this.localDescription.sdp).m;
    for (const [mid, , answered] of m) {
      const transceiver = this.transceivers.find((each) => each.mid === mid);
      const mine = offered.find(([offeredMid]) => offeredMid === mid)[2];
      Object.assign(transceiver, { described: mine, role: "offer", currentDirection: reverse(answered) });
      transceiver.remoteSends(sends(answered));
    }
    this.remoteDescription = description;
    this.remoteUfrag = ufrag;
    this.signalingState = "stable";
    this.checkNegotiation();
  }

  async addIceCandidate(candidate) {
    await null;
    if (this.closed || this.remoteDescription === null) throw failure("InvalidStateError");
    if (candidate.usernameFragment && candidate.usernameFragment !== this.remoteUfrag) throw failure("OperationError");
    this.added.push(candidate);
  }

  // The test's side: ICE found a candidate (with this side's credentials).
  gather(text) {
    const json = { candidate: text, sdpMid: "0", sdpMLineIndex: 0, usernameFragment: this.ufrag };
    this.onicecandidate?.({ candidate: { ...json, toJSON: () => ({ ...json }) } });
  }

  setConnectionState(state) {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }

  async getStats() {
    return this.stats;
  }

  close() {
    this.closed = true;
    this.signalingState = "closed";
    this.connectionState = "closed";
  }

  transceiver(kind) {
    return this.transceivers.find((each) => each.kind === kind);
  }
}

// --- Web Audio ----------------------------------------------------------

class FakeNode {
  constructor(kind) {
    this.kind = kind;
    this.outputs = new Set();
  }
  connect(node) {
    this.outputs.add(node);
    return node;
  }
  disconnect() {
    this.outputs.clear();
  }
}

export class FakeAudioContext extends FakeEvents {
  constructor({ state = "running", resumable = true } = {}) {
    super();
    this.state = state;
    // Whether resume() starts it (a browser allows it after a gesture).
    this.resumable = resumable;
    this.resumes = 0;
    this.currentTime = 0;
    this.destination = new FakeNode("destination");
    this.made = [];
  }
  resume() {
    this.resumes++;
    if (!this.resumable) return new Promise(() => {});
    this.setState("running");
    return Promise.resolve();
  }
  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.dispatch("statechange");
  }
  createMediaStreamSource(stream) {
    const node = new FakeNode("source");
    node.stream = stream;
    this.made.push(node);
    return node;
  }
  createGain() {
    const node = new FakeNode("gain");
    const param = { value: 1, ramps: [] };
    param.setTargetAtTime = (target, startTime, timeConstant) => param.ramps.push({ target, startTime, timeConstant });
    node.gain = param;
    this.made.push(node);
    return node;
  }
  createAnalyser() {
    const node = new FakeNode("analyser");
    node.fftSize = 2048;
    // The amplitude of a square wave the partner "says".
    node.amplitude = 0;
    node.getFloatTimeDomainData = (samples) => {
      for (let i = 0; i < samples.length; i++) samples[i] = i % 2 ? node.amplitude : -node.amplitude;
    };
    this.made.push(node);
    return node;
  }
}

export class FakeAudioElement {
  constructor() {
    this.muted = false;
    this.srcObject = null;
    this.playing = false;
  }
  play() {
    this.playing = true;
    return Promise.resolve();
  }
  pause() {
    this.playing = false;
  }
}

// --- The page -----------------------------------------------------------

class FakeClassList {
  constructor(element) {
    this.element = element;
  }
  get names() {
    return new Set(this.element.className.split(" ").filter(Boolean));
  }
  contains(name) {
    return this.names.has(name);
  }
  toggle(name, on) {
    const names = this.names;
    const wanted = on ?? !names.has(name);
    if (wanted) names.add(name);
    else names.delete(name);
    this.element.className = [...names].join(" ");
    return wanted;
  }
}

export class FakeElement extends FakeEvents {
  constructor(tagName, page) {
    super();
    this.tagName = tagName.toUpperCase();
    this.page = page;
    this.children = [];
    this.parent = null;
    this.className = "";
    this.classList = new FakeClassList(this);
    this.attributes = new Map();
    this.hidden = false;
    this.text = "";
    this.value = "";
    this.disabled = false;
  }
  get textContent() {
    return this.text + this.children.map((child) => child.textContent).join("");
  }
  set textContent(text) {
    this.children = [];
    this.text = String(text);
  }
  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }
  getAttribute(name) {
    return this.attributes.get(name) ?? null;
  }
  append(...nodes) {
    for (const node of nodes) {
      node.remove();
      node.parent = this;
      this.children.push(node);
    }
  }
  replaceChildren(...nodes) {
    for (const child of this.children) child.parent = null;
    this.children = [];
    this.append(...nodes);
  }
  remove() {
    if (this.parent === null) return;
    this.parent.children = this.parent.children.filter((child) => child !== this);
    this.parent = null;
  }
  play() {
    this.playing = true;
    return Promise.resolve();
  }
  // detail: 1 for a pointer's click, 0 for one from the keyboard.
  click(detail = 0) {
    this.dispatch("click", { detail });
  }
  blur() {
    this.blurred = true;
    if (this.page.activeElement === this) this.page.activeElement = null;
  }
  // Every element below this one (itself included) that matches.
  findAll(match) {
    const found = match(this) ? [this] : [];
    for (const child of this.children) found.push(...child.findAll(match));
    return found;
  }
  byClass(name) {
    return this.findAll((element) => element.classList.contains(name));
  }
  byTag(tag) {
    return this.findAll((element) => element.tagName === tag.toUpperCase());
  }
}

export class FakeDocument extends FakeEvents {
  constructor(ids = []) {
    super();
    this.byId = new Map(ids.map((id) => [id, new FakeElement(id.includes("self") ? "video" : "div", this)]));
    this.activeElement = null;
    this.hidden = false;
  }
  getElementById(id) {
    return this.byId.get(id) ?? null;
  }
  createElement(tag) {
    return new FakeElement(tag, this);
  }
}

export function memoryStorage(initial = {}) {
  const values = new Map(Object.entries(initial));
  return {
    values,
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => values.set(key, String(value)),
    removeItem: (key) => values.delete(key),
  };
}
