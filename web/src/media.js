// Talking with the people nearby (docs/protocol.md, "Talking"), put
// together: the server's `peer`, `signal` and `ice` messages and welcomes
// (forwarded by netcontroller.js) drive the connections (peers.js); the
// player's microphone and camera (localmedia.js) go onto them; the
// partners' voices play through Web Audio (voice.js) at the gain their
// distance gives (gain.js), worked out at every frame from where the
// avatars are drawn; the status (status.js) is kept on the server; and the
// nearby strip (nearby.js) shows it all and takes the player's choices.
//
// makeTalk builds it with the page's pieces; Talk itself gets them passed
// in, so the tests run it with fakes.

import { DEFAULT_TALK_RULES, distanceBetween, proximityGain } from "./gain.js";
import { LocalMedia } from "./localmedia.js";
import { NearbyView } from "./nearby.js";
import { Peers, transportPolicy } from "./peers.js";
import { StatusPicker } from "./status.js";
import { SpeakingMeter, Voice } from "./voice.js";

// Where the player's volume for each person (by user id) is remembered.
export const VOLUMES_KEY = "ark.volumes";

// The player's volume for each person, 0–1 (1 unless changed).
export class Volumes {
  constructor(storage) {
    this.storage = storage;
    let stored = {};
    try {
      stored = JSON.parse(storage.getItem(VOLUMES_KEY) ?? "{}") ?? {};
    } catch {
      // A damaged entry is forgotten.
    }
    this.byUser = new Map(Object.entries(stored).map(([user, volume]) => [Number(user), Number(volume)]));
  }

  get(user) {
    const volume = this.byUser.get(user);
    return Number.isFinite(volume) ? volume : 1;
  }

  set(user, volume) {
    const clamped = Math.min(1, Math.max(0, volume));
    if (clamped === 1) this.byUser.delete(user);
    else this.byUser.set(user, clamped);
    this.storage.setItem(VOLUMES_KEY, JSON.stringify(Object.fromEntries(this.byUser)));
  }
}

export class Talk {
  // send(message): onto the WebSocket; local: localmedia.js's LocalMedia;
  // makePeers(hooks): peers.js's Peers, given { local, onTrack, onChange };
  // voice: voice.js's Voice; status: status.js's StatusPicker; volumes:
  // Volumes; view: what shows it (nearby.js's NearbyView: render(model),
  // showSpeaking(pair, on)); where: { positionOf(id) → { x, y } in px as
  // drawn, or null; nameOf(id) → a name, or null }; now(): ms.
  constructor({ send, local, makePeers, voice, status, volumes, view, where, now }) {
    this.send = send;
    this.local = local;
    this.voice = voice;
    this.status = status;
    this.volumes = volumes;
    this.view = view;
    this.where = where;
    this.now = now;
    this.rules = DEFAULT_TALK_RULES;
    this.selfId = null;
    // By pair: the other player asking (the player is busy), or being
    // asked (they are).
    this.asks = new Map();
    this.waiting = new Map();
    // By pair: { distanceGain, meter, speaking }.
    this.heard = new Map();
    this.peers = makePeers({
      local: () => ({ audio: local.audioToSend, video: local.videoToSend, microphone: local.microphone !== null }),
      onTrack: (peer, track) => this.trackArrived(peer, track),
      onChange: () => this.render(),
    });
  }

  // The view's buttons and sliders.
  get actions() {
    return {
      toggleMicrophone: () => this.local.toggleMicrophone(),
      toggleCamera: () => this.local.setCamera(this.local.camera === null),
      chooseMicrophone: (deviceId) => this.local.chooseMicrophone(deviceId),
      chooseCamera: (deviceId) => this.local.chooseCamera(deviceId),
      chooseStatus: (status) => this.status.choose(status),
      setVolume: (pair, volume) => this.setVolume(pair, volume),
      answer: (pair, yes) => this.answer(pair, yes),
      soundOn: () => this.voice.resume(),
    };
  }

  // localmedia.js's onChange: the tracks to send may have changed.
  localChanged() {
    this.peers.useTracks();
    this.render();
  }

  // Every welcome (a new connection, a door): the server starts with no
  // conversations, and so does the page.
  welcomed(welcome) {
    this.rules = { ...DEFAULT_TALK_RULES, ...(welcome.talk ?? {}) };
    this.selfId = welcome.id;
    this.peers.closeAll();
    if (welcome.ice) this.peers.iceServersChanged(welcome.ice.servers);
    this.voice.clear();
    this.heard.clear();
    this.asks.clear();
    this.waiting.clear();
    this.status.welcomed(welcome);
    this.render();
  }

  // netcontroller.js's `peer`, `signal` and `ice` messages.
  received(message) {
    switch (message.t) {
      case "peer":
        this.peerEvent(message);
        break;
      case "signal":
        this.peers.signalled(message);
        break;
      case "ice":
        this.peers.iceServersChanged(message.servers);
        break;
      default:
        break;
    }
  }

  peerEvent(message) {
    const { pair } = message;
    switch (message.event) {
      case "join":
        this.asks.delete(pair);
        this.waiting.delete(pair);
        this.heard.set(pair, { distanceGain: 0, meter: new SpeakingMeter(), speaking: false });
        this.peers.joined(message);
        break;
      case "leave":
        this.asks.delete(pair);
        this.waiting.delete(pair);
        this.heard.delete(pair);
        this.voice.detach(pair);
        this.peers.left(pair);
        break;
      case "ask":
        this.asks.set(pair, { pair, id: message.id, user: message.user ?? null, name: message.name ?? this.nameOf(message.id) });
        break;
      case "waiting":
        this.waiting.set(pair, { pair, id: message.id, name: this.nameOf(message.id) });
        break;
      default:
        return;
    }
    this.render();
  }

  nameOf(id) {
    return this.where.nameOf(id) ?? "Someone";
  }

  trackArrived(peer, track) {
    if (track.kind === "audio") this.voice.attach(peer.pair, track);
    this.render();
  }

  // The player answered a busy player's `ask`.
  answer(pair, yes) {
    if (!this.asks.delete(pair)) return;
    this.send({ t: "accept", pair, yes });
    this.render();
  }

  setVolume(pair, volume) {
    const peer = this.peers.get(pair);
    if (peer === null) return;
    this.volumes.set(peer.user, volume);
    this.frame();
  }

  // At every frame: each partner's gain from the distance between the two
  // avatars as drawn, and who is speaking.
  frame() {
    if (this.peers.size === 0) return;
    const now = this.now();
    const me = this.where.positionOf(this.selfId);
    for (const peer of this.peers.all()) {
      const heard = this.heard.get(peer.pair);
      if (heard === undefined) continue;
      const them = this.where.positionOf(peer.id);
      // Someone not drawn (yet) keeps the gain they had.
      if (me !== null && them !== null) heard.distanceGain = proximityGain(distanceBetween(me, them), this.rules);
      this.voice.setGain(peer.pair, heard.distanceGain * this.volumes.get(peer.user));
      heard.speaking = heard.meter.update(this.voice.level(peer.pair), now);
      this.view.showSpeaking(peer.pair, heard.speaking);
    }
  }

  // The page went online again, or was shown again.
  networkMayBeBack() {
    this.peers.checkConnections();
  }

  render() {
    this.view.render(this.model());
  }

  // What the nearby strip shows.
  model() {
    const { local } = this;
    return {
      peers: this.peers.all().map((peer) => ({
        pair: peer.pair,
        name: peer.name,
        state: peer.state,
        volume: this.volumes.get(peer.user),
        video: peer.remote.video,
      })),
      asks: [...this.asks.values()],
      waiting: [...this.waiting.values()],
      muted: local.muted,
      microphone: local.microphone !== null,
      camera: local.camera,
      error: local.error,
      soundBlocked: this.voice.blocked && this.peers.size > 0,
      status: this.status.chosen,
      microphones: local.microphones,
      cameras: local.cameras,
      microphoneId: local.microphoneId,
      cameraId: local.cameraId,
    };
  }

  // The test hook's talk(): plain data.
  snapshot() {
    const { local } = this;
    return {
      peers: this.peers.all().map((peer) => ({
        pair: peer.pair,
        id: peer.id,
        user: peer.user,
        name: peer.name,
        polite: peer.polite,
        state: peer.state,
        gain: (this.heard.get(peer.pair)?.distanceGain ?? 0) * this.volumes.get(peer.user),
        volume: this.volumes.get(peer.user),
        level: this.voice.level(peer.pair),
        speaking: this.heard.get(peer.pair)?.speaking ?? false,
        video: peer.remote.video !== null && !peer.remote.video.muted,
      })),
      asks: [...this.asks.values()].map(({ pair, id, name }) => ({ pair, id, name })),
      waiting: [...this.waiting.values()].map(({ pair, id, name }) => ({ pair, id, name })),
      muted: local.muted,
      microphone: local.microphone !== null,
      camera: local.camera !== null,
      status: this.status.effective,
      mediaError: local.error,
      soundBlocked: this.voice.blocked,
    };
  }

  // The test hook's talkStats().
  stats() {
    return this.peers.stats();
  }
}

// For pages that do not talk (the benchmark's).
const SILENT = {
  welcomed() {},
  received() {},
  frame() {},
  snapshot: () => null,
  stats: async () => [],
};

// Talk made with the page's pieces. page: the window; send(message): onto
// the WebSocket; avatars: avatars.js's Avatars (where everyone is drawn);
// world(): netcontroller.js's World now (names); enabled: false for a page
// that should never ask for a microphone.
export function makeTalk({ page, send, avatars, world, enabled = true }) {
  if (!enabled || typeof page.RTCPeerConnection !== "function") return SILENT;
  try {
    return talkOnPage({ page, send, avatars, world });
  } catch (error) {
    // Talking is a part of the game, never a reason for it not to start.
    console.error("Voice and video could not start:", error);
    return SILENT;
  }
}

function talkOnPage({ page, send, avatars, world }) {
  const { document, navigator, localStorage } = page;
  let talk = null;
  const local = new LocalMedia({ devices: navigator.mediaDevices, storage: localStorage, onChange: () => talk?.localChanged() });
  const voice = new Voice({
    context: new page.AudioContext(),
    createAudio: () => new page.Audio(),
    MediaStream: page.MediaStream,
    gestures: page,
    onChange: () => talk?.render(),
  });
  const status = new StatusPicker({
    send, storage: localStorage, hidden: document.hidden, onChange: () => talk?.render(),
  });
  const policy = transportPolicy(page.location.search);
  const actions = {};
  talk = new Talk({
    send, local, voice, status,
    makePeers: (hooks) => new Peers({ RTCPeerConnection: page.RTCPeerConnection, send, timers: page, policy, ...hooks }),
    volumes: new Volumes(localStorage),
    view: new NearbyView({ page: document, MediaStream: page.MediaStream, actions }),
    where: {
      positionOf: (id) => {
        const sprite = id === null ? null : avatars.spriteOf(id);
        return sprite ? { x: sprite.x, y: sprite.y } : null;
      },
      nameOf: (id) => world()?.entities.get(id)?.name ?? null,
    },
    now: () => page.performance.now(),
  });
  Object.assign(actions, talk.actions);
  document.addEventListener("visibilitychange", () => {
    status.visibilityChanged(document.hidden);
    if (!document.hidden) talk.networkMayBeBack();
  });
  page.addEventListener("online", () => talk.networkMayBeBack());
  navigator.connection?.addEventListener?.("change", () => talk.networkMayBeBack());
  talk.render();
  local.start();
  return talk;
}
