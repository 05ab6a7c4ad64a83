// One WebRTC connection per conversation the server paired the player in
// (docs/protocol.md, "Talking"): made at a `peer` `join`, closed at its
// `leave`, its offers, answers and ICE candidates carried by `signal`
// messages over the game's WebSocket.
//
// Negotiation is WebRTC's "perfect negotiation": either side may offer
// whenever its tracks change (a camera turned on), and when both offer at
// once the polite side (the server says which) yields. Only the impolite
// side makes the transceivers, one for audio and one for video, so the two
// browsers always agree on two m-lines; the polite side takes them from
// the first offer. Muting and switching devices replace the sent track
// without negotiating; turning the camera on or off changes the video's
// direction, which the other side sees as its video track unmuting or
// muting.
//
// A connection that fails or drops is restarted (an ICE restart) by its
// impolite side, waiting 1 s, 2 s, 4 s… (at most 30 s) between tries; a
// sign that the network is back (the page's `online` event, the page
// shown again) restarts every broken connection at once, from either side.
//
// The RTCPeerConnection constructor and the timers are passed in, so the
// tests run two of these against each other with fakes.

// Candidates go out in batches of at most this many (the protocol's limit),
// at most this long after the first of a batch was found.
export const ICE_BATCH = 20;
export const ICE_FLUSH_MS = 50;

// Between ICE restarts of a broken connection.
export const RESTART_FIRST_MS = 1000;
export const RESTART_MAX_MS = 30000;

const BROKEN = new Set(["failed", "disconnected"]);

// iceTransportPolicy from the page's address: `?relay=1` allows only TURN
// relays (what the end-to-end tests use to prove TURN works).
export function transportPolicy(search) {
  return new URLSearchParams(search).get("relay") === "1" ? "relay" : "all";
}

// The fields of a candidate that the protocol carries, and only those.
export function candidateFields(candidate) {
  const json = typeof candidate.toJSON === "function" ? candidate.toJSON() : candidate;
  return {
    candidate: json.candidate ?? "",
    sdpMid: json.sdpMid ?? null,
    sdpMLineIndex: json.sdpMLineIndex ?? null,
    usernameFragment: json.usernameFragment ?? null,
  };
}

// What the end-to-end tests ask of a connection's getStats(): the audio
// that came and went, and the kind of candidates the connection settled
// on (a "relay" proves TURN).
export function summarizeStats(report) {
  const byId = new Map();
  report.forEach((stat) => byId.set(stat.id, stat));
  const of = (type, kind) => [...byId.values()].find((stat) => stat.type === type && (stat.kind ?? stat.mediaType) === kind);
  let chosen = null;
  for (const stat of byId.values()) {
    if (stat.type === "transport" && stat.selectedCandidatePairId) chosen = byId.get(stat.selectedCandidatePairId) ?? null;
  }
  // Browsers without transport stats mark the pair itself.
  chosen ??= [...byId.values()].find((stat) => stat.type === "candidate-pair" &&
    (stat.selected || (stat.nominated && stat.state === "succeeded"))) ?? null;
  const audioIn = of("inbound-rtp", "audio");
  const audioOut = of("outbound-rtp", "audio");
  return {
    bytesReceived: audioIn?.bytesReceived ?? 0,
    totalAudioEnergy: audioIn?.totalAudioEnergy ?? 0,
    bytesSent: audioOut?.bytesSent ?? 0,
    videoBytesReceived: of("inbound-rtp", "video")?.bytesReceived ?? 0,
    videoBytesSent: of("outbound-rtp", "video")?.bytesSent ?? 0,
    localCandidateType: byId.get(chosen?.localCandidateId)?.candidateType ?? null,
    remoteCandidateType: byId.get(chosen?.remoteCandidateId)?.candidateType ?? null,
  };
}

// One conversation's connection.
export class Peer {
  // info: the `peer` `join` ({ pair, id, user, name, polite }); pc: its
  // RTCPeerConnection; hooks: { send, timers, local, onTrack, onChange }
  // as Peers takes them.
  constructor(info, pc, hooks) {
    this.pair = info.pair;
    this.id = info.id;
    this.user = info.user ?? null;
    this.name = info.name ?? "";
    this.polite = info.polite === true;
    this.pc = pc;
    this.hooks = hooks;
    this.closed = false;
    // Perfect negotiation's state.
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.settingAnswer = false;
    // Signals are handled one after the other, in the order they came.
    this.inbox = Promise.resolve();
    this.candidates = [];
    this.flushTimer = null;
    this.restartDelay = RESTART_FIRST_MS;
    this.restartTimer = null;
    // The other side's tracks, by kind, once they arrived.
    this.remote = { audio: null, video: null };
    pc.onnegotiationneeded = () => this.negotiate();
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.queueCandidate(candidate);
    };
    pc.ontrack = ({ track }) => {
      if (this.closed) return;
      this.remote[track.kind] = track;
      hooks.onTrack(this, track);
    };
    pc.onconnectionstatechange = () => this.connectionChanged();
    if (!this.polite) {
      const { microphone, video } = hooks.local();
      pc.addTransceiver("audio", { direction: microphone ? "sendrecv" : "recvonly" });
      pc.addTransceiver("video", { direction: video ? "sendrecv" : "recvonly" });
      this.applyLocal();
    }
  }

  get state() {
    return this.pc.connectionState;
  }

  get broken() {
    return BROKEN.has(this.pc.connectionState);
  }

  // Send what the player has now: the microphone's track unless muted, the
  // camera's if on. Without a microphone the audio only receives, so the
  // other side can still be heard.
  applyLocal() {
    if (this.closed) return;
    const { audio, video, microphone } = this.hooks.local();
    this.use("audio", audio, microphone ? "sendrecv" : "recvonly");
    this.use("video", video, video ? "sendrecv" : "recvonly");
  }

  use(kind, track, direction) {
    const transceiver = this.pc.getTransceivers().find((each) => each.receiver.track?.kind === kind && !each.stopped);
    if (transceiver === undefined) return;
    if (transceiver.direction !== direction) transceiver.direction = direction;
    if (transceiver.sender.track !== track) {
      transceiver.sender.replaceTrack(track).catch(() => {
        // The connection closed meanwhile.
      });
    }
  }

  async negotiate() {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.sendDescription();
    } catch {
      // Overtaken by the other side's offer or by closing: perfect
      // negotiation carries on from the next signal.
    } finally {
      this.makingOffer = false;
    }
  }

  sendDescription() {
    if (this.closed) return;
    const { type, sdp } = this.pc.localDescription;
    // Candidates of the description before go first.
    this.flushCandidates();
    this.hooks.send({ t: "signal", pair: this.pair, sdp: { type, sdp } });
  }

  // A `signal` from the other side: { sdp } or { ice }.
  received(signal) {
    this.inbox = this.inbox.then(() => this.handle(signal));
    return this.inbox;
  }

  async handle({ sdp, ice }) {
    if (this.closed) return;
    if (sdp) await this.described(sdp);
    for (const candidate of ice ?? []) {
      try {
        await this.pc.addIceCandidate(candidate);
      } catch {
        // One of an offer this side ignored, or of a round gone by.
      }
    }
  }

  async described(description) {
    const { pc } = this;
    const readyForOffer = !this.makingOffer && (pc.signalingState === "stable" || this.settingAnswer);
    const collision = description.type === "offer" && !readyForOffer;
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    try {
      this.settingAnswer = description.type === "answer";
      await pc.setRemoteDescription(description);
      this.settingAnswer = false;
      if (description.type !== "offer" || this.closed) return;
      // The polite side's transceivers come with the first offer: the
      // answer says what it sends.
      this.applyLocal();
      await pc.setLocalDescription();
      this.sendDescription();
    } catch {
      // A description that does not fit (the conversation ending, an
      // offer of a round gone by): the next one starts over.
      this.settingAnswer = false;
    }
  }

  queueCandidate(candidate) {
    if (this.closed) return;
    this.candidates.push(candidateFields(candidate));
    if (this.candidates.length >= ICE_BATCH) {
      this.flushCandidates();
    } else if (this.flushTimer === null) {
      this.flushTimer = this.hooks.timers.setTimeout(() => this.flushCandidates(), ICE_FLUSH_MS);
    }
  }

  flushCandidates() {
    if (this.flushTimer !== null) this.hooks.timers.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    while (this.candidates.length > 0) {
      this.hooks.send({ t: "signal", pair: this.pair, ice: this.candidates.splice(0, ICE_BATCH) });
    }
  }

  connectionChanged() {
    if (this.closed) return;
    if (this.pc.connectionState === "connected") {
      this.restartDelay = RESTART_FIRST_MS;
      this.cancelRestart();
    } else if (this.broken && !this.polite) {
      this.scheduleRestart();
    }
    this.hooks.onChange(this);
  }

  scheduleRestart() {
    if (this.restartTimer !== null) return;
    this.restartTimer = this.hooks.timers.setTimeout(() => {
      this.restartTimer = null;
      if (this.closed || !this.broken) return;
      this.restart();
      this.restartDelay = Math.min(this.restartDelay * 2, RESTART_MAX_MS);
      // Still not through by the next delay: again.
      this.scheduleRestart();
    }, this.restartDelay);
  }

  cancelRestart() {
    if (this.restartTimer !== null) this.hooks.timers.clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  restart() {
    if (typeof this.pc.restartIce === "function") {
      // Negotiation-needed follows, with an offer asking for new ICE.
      this.pc.restartIce();
    } else {
      this.restartByOffer();
    }
  }

  async restartByOffer() {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart: true }));
      this.sendDescription();
    } catch {
      // As in negotiate.
    } finally {
      this.makingOffer = false;
    }
  }

  // The network may be back: a broken connection tries again now, from
  // whichever side noticed.
  checkNow() {
    if (this.closed || !this.broken) return;
    this.cancelRestart();
    this.restart();
    if (!this.polite) this.scheduleRestart();
  }

  setIceServers(iceServers) {
    try {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
    } catch {
      // A browser that refuses the change keeps the servers it had.
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.cancelRestart();
    if (this.flushTimer !== null) this.hooks.timers.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.candidates = [];
    const { pc } = this;
    pc.onnegotiationneeded = null;
    pc.onicecandidate = null;
    pc.ontrack = null;
    pc.onconnectionstatechange = null;
    pc.close();
  }
}

export class Peers {
  // RTCPeerConnection: the browser's constructor; send(message): onto the
  //   WebSocket; timers: setTimeout and clearTimeout; local(): { audio,
  //   video, microphone } — the tracks to send (null: none) and whether a
  //   microphone exists at all (localmedia.js); onTrack(peer, track): a
  //   track of the other side arrived; onChange(): a connection came,
  //   went or changed state; policy: iceTransportPolicy ("all", or
  //   "relay" to allow only TURN, see transportPolicy).
  constructor({ RTCPeerConnection, send, timers, local, onTrack = () => {}, onChange = () => {}, policy = "all" }) {
    this.RTCPeerConnection = RTCPeerConnection;
    this.policy = policy;
    this.iceServers = [];
    this.byPair = new Map();
    this.onChange = onChange;
    this.hooks = { send, timers, local, onTrack, onChange: () => onChange() };
  }

  get size() {
    return this.byPair.size;
  }

  get(pair) {
    return this.byPair.get(pair) ?? null;
  }

  all() {
    return [...this.byPair.values()];
  }

  // A `peer` `join`: connect.
  joined(info) {
    if (this.byPair.has(info.pair)) return this.byPair.get(info.pair);
    const pc = new this.RTCPeerConnection({ iceServers: this.iceServers, iceTransportPolicy: this.policy });
    const peer = new Peer(info, pc, this.hooks);
    this.byPair.set(info.pair, peer);
    this.onChange();
    return peer;
  }

  // A `peer` `leave`: close, forget.
  left(pair) {
    const peer = this.byPair.get(pair);
    if (peer === undefined) return null;
    this.byPair.delete(pair);
    peer.close();
    this.onChange();
    return peer;
  }

  // A `signal` from the server: `from` (the server's word for who sent
  // it) must be the partner of that pair.
  signalled({ pair, from, sdp, ice }) {
    const peer = this.byPair.get(pair);
    if (peer === undefined || (from !== undefined && from !== peer.id)) return Promise.resolve();
    return peer.received({ sdp, ice });
  }

  // An `ice` message: the servers for new connections, and for restarts
  // of those there are.
  iceServersChanged(servers) {
    this.iceServers = Array.isArray(servers) ? servers : [];
    for (const peer of this.byPair.values()) peer.setIceServers(this.iceServers);
  }

  // The player's tracks changed: every connection sends the new ones.
  useTracks() {
    for (const peer of this.byPair.values()) peer.applyLocal();
  }

  checkConnections() {
    for (const peer of this.byPair.values()) peer.checkNow();
  }

  closeAll() {
    const had = this.byPair.size > 0;
    for (const peer of this.byPair.values()) peer.close();
    this.byPair.clear();
    if (had) this.onChange();
  }

  // summarizeStats of every connection, by pair.
  async stats() {
    const found = [];
    for (const peer of this.byPair.values()) {
      let summary;
      try {
        summary = summarizeStats(await peer.pc.getStats());
      } catch {
        continue;
      }
      found.push({ pair: peer.pair, id: peer.id, state: peer.state, ...summary });
    }
    return found;
  }
}
