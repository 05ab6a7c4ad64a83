// Talking put together: the server's peer, signal and ice messages and
// welcomes drive the connections; every frame sets each partner's gain
// from where the avatars are drawn; the strip is told what to show.
import { test } from "node:test";
import assert from "node:assert/strict";

import { Talk, VOLUMES_KEY, Volumes } from "../src/media.js";
import { Peers } from "../src/peers.js";
import { StatusPicker } from "../src/status.js";
import { Voice } from "../src/voice.js";
import {
  FakeAudioContext, FakeAudioElement, FakePeerConnection, FakeStream, FakeTimers, FakeTrack, memoryStorage, settle,
} from "./fakes/media.js";

const SELF = 1;

function setup({ context = new FakeAudioContext(), stored = {} } = {}) {
  FakePeerConnection.made = [];
  const sent = [];
  const send = (message) => {
    sent.push(message);
    return true;
  };
  const storage = memoryStorage(stored);
  const microphone = new FakeTrack("audio");
  const local = {
    microphone, camera: null, muted: false, error: null, microphones: [], cameras: [], microphoneId: null, cameraId: null,
    get audioToSend() { return this.muted ? null : this.microphone; },
    get videoToSend() { return this.camera; },
  };
  const voice = new Voice({ context, createAudio: () => new FakeAudioElement(), MediaStream: FakeStream });
  const status = new StatusPicker({ send, storage });
  const view = { models: [], speaking: [] };
  view.render = (model) => view.models.push(model);
  view.showSpeaking = (pair, on) => view.speaking.push([pair, on]);
  const drawn = new Map([[SELF, { x: 100, y: 100 }]]);
  const names = new Map([[2, "Bob"], [3, "Cy"]]);
  let time = 0;
  const talk = new Talk({
    send, local, voice, status, view,
    makePeers: (hooks) => new Peers({ RTCPeerConnection: FakePeerConnection, send, timers: new FakeTimers(), ...hooks }),
    volumes: new Volumes(storage),
    where: { positionOf: (id) => drawn.get(id) ?? null, nameOf: (id) => names.get(id) ?? null },
    now: () => time,
  });
  const analysers = () => context.made.filter((node) => node.kind === "analyser");
  const gains = () => context.made.filter((node) => node.kind === "gain");
  return {
    talk, sent, local, voice, view, drawn, storage, context, analysers, gains,
    shown: () => view.models.at(-1),
    setTime: (ms) => { time = ms; },
  };
}

const welcome = (fields = {}) => ({
  t: "welcome", id: SELF, me: [SELF, "Ada", "fox", true, 0, 6000, 6000, 0, 0, 11, "online"],
  talk: { connect: 160, leave: 224, full: 64, silence: 224, peers: 4 }, ...fields,
});
const join = (pair, id, fields = {}) => ({ t: "peer", event: "join", pair, id, user: id * 10, name: `P${id}`, polite: false, ...fields });

// A partner's audio track, as the browser hands it over.
function hear(talk, pair) {
  const track = new FakeTrack("audio");
  talk.peers.get(pair).pc.ontrack({ track });
  return track;
}

test("a join connects and shows the person; a leave closes and forgets them", async () => {
  const { talk, voice, sent, shown } = setup();
  talk.welcomed(welcome());
  talk.received(join(7, 2, { name: "Bob" }));
  await settle();
  assert.equal(FakePeerConnection.made.length, 1);
  assert.equal(sent.filter((message) => message.t === "signal" && message.sdp?.type === "offer").length, 1,
    "the impolite side offers");
  assert.deepEqual(shown().peers.map(({ pair, name }) => ({ pair, name })), [{ pair: 7, name: "Bob" }]);
  hear(talk, 7);
  assert.equal(voice.voices.size, 1);
  talk.received({ t: "peer", event: "leave", pair: 7, id: 2, reason: "far" });
  assert.equal(FakePeerConnection.made[0].closed, true);
  assert.equal(voice.voices.size, 0);
  assert.deepEqual(shown().peers, []);
});

test("each frame: the gain from the distance as drawn, times the player's volume for that person", () => {
  const { talk, drawn, gains, storage } = setup();
  talk.welcomed(welcome());
  talk.received(join(7, 2));
  hear(talk, 7);
  const gain = () => gains()[0].gain.ramps.at(-1)?.target;
  // 144 px apart: halfway between full (64) and silence (224).
  drawn.set(2, { x: 244, y: 100 });
  talk.frame();
  assert.equal(gain(), 0.5);
  talk.actions.setVolume(7, 0.5);
  assert.equal(gain(), 0.25, "the slider multiplies at once");
  assert.equal(JSON.parse(storage.getItem(VOLUMES_KEY))[20], 0.5, "remembered for that user");
  drawn.set(2, { x: 100, y: 150 });
  talk.frame();
  assert.equal(gain(), 0.5, "within full volume, times the slider");
  drawn.set(2, { x: 400, y: 100 });
  talk.frame();
  assert.equal(gain(), 0);
  // Not drawn for a moment: the gain stays as it was.
  drawn.delete(2);
  drawn.set(SELF, { x: 0, y: 0 });
  talk.frame();
  assert.equal(gain(), 0);
  assert.equal(talk.snapshot().peers[0].volume, 0.5);
});

test("the welcome's own rules: a map with a wider full-volume radius", () => {
  const { talk, drawn, gains } = setup();
  talk.welcomed(welcome({ talk: { connect: 160, leave: 300, full: 100, silence: 300, peers: 4 } }));
  talk.received(join(7, 2));
  hear(talk, 7);
  drawn.set(2, { x: 300, y: 100 });
  talk.frame();
  assert.equal(gains()[0].gain.ramps.at(-1).target, 0.5);
});

test("who is speaking: the strip's ring and the hook's level", () => {
  const { talk, drawn, view, analysers, setTime } = setup();
  talk.welcomed(welcome());
  talk.received(join(7, 2));
  hear(talk, 7);
  drawn.set(2, { x: 120, y: 100 });
  analysers()[0].amplitude = 0.2;
  setTime(1000);
  talk.frame();
  assert.deepEqual(view.speaking.at(-1), [7, true]);
  const [seen] = talk.snapshot().peers;
  assert.ok(Math.abs(seen.level - 0.2) < 1e-6);
  assert.equal(seen.speaking, true);
  analysers()[0].amplitude = 0;
  setTime(2000);
  talk.frame();
  assert.deepEqual(view.speaking.at(-1), [7, false]);
});

test("a busy player is asked: the answer goes to the server; the player's own ask names the other", () => {
  const { talk, sent, shown } = setup();
  talk.welcomed(welcome());
  talk.received({ t: "peer", event: "ask", pair: 9, id: 3, user: 30, name: "Cy" });
  talk.received({ t: "peer", event: "waiting", pair: 10, id: 2 });
  assert.deepEqual(shown().asks.map(({ pair, name }) => [pair, name]), [[9, "Cy"]]);
  assert.deepEqual(shown().waiting.map(({ pair, name }) => [pair, name]), [[10, "Bob"]], "the name the world knows");
  talk.actions.answer(9, true);
  talk.actions.answer(9, true);
  assert.deepEqual(sent.filter((message) => message.t === "accept"), [{ t: "accept", pair: 9, yes: true }]);
  assert.deepEqual(shown().asks, []);
  talk.received(join(10, 2));
  assert.deepEqual(shown().waiting, [], "asked and answered: now talking");
});

test("a welcome starts afresh: connections closed, questions gone, the status told, the new rules", async () => {
  const { talk, sent, storage, voice } = setup({ stored: { "ark.status": "busy" } });
  talk.welcomed(welcome());
  assert.deepEqual(sent, [{ t: "status", status: "busy" }]);
  talk.received(join(7, 2));
  hear(talk, 7);
  talk.received({ t: "peer", event: "ask", pair: 9, id: 3, user: 30, name: "Cy" });
  sent.length = 0;
  talk.welcomed(welcome({ moved: true, talk: { full: 10, silence: 20 } }));
  assert.equal(FakePeerConnection.made[0].closed, true);
  assert.equal(talk.peers.size, 0);
  assert.equal(voice.voices.size, 0);
  assert.deepEqual(talk.snapshot().asks, []);
  assert.deepEqual(sent, [{ t: "status", status: "busy" }], "the server starts every connection online");
  assert.equal(talk.rules.full, 10);
  assert.equal(talk.rules.connect, 160, "what the welcome leaves out stays the default");
  assert.equal(storage.getItem("ark.status"), "busy");
});

test("signals reach their connection, and the ICE servers every connection", async () => {
  const { talk, sent } = setup();
  talk.welcomed(welcome());
  talk.received(join(7, 2, { polite: true }));
  const servers = [{ urls: ["stun:stun.example:3478"] }];
  talk.received({ t: "ice", servers, ttl: 3600 });
  assert.deepEqual(FakePeerConnection.made[0].configuration.iceServers, servers);
  const offer = { type: "offer", sdp: JSON.stringify({ ufrag: "theirs", m: [["0", "audio", "sendrecv"], ["1", "video", "recvonly"]] }) };
  talk.received({ t: "signal", pair: 7, from: 2, sdp: offer });
  await settle();
  const answer = sent.find((message) => message.t === "signal" && message.sdp?.type === "answer");
  assert.ok(answer, "the polite side answers");
  assert.equal(answer.pair, 7);
});

test("the player's tracks follow mute and camera on every connection", async () => {
  const { talk, local } = setup();
  talk.welcomed(welcome());
  talk.received(join(7, 2));
  talk.received(join(8, 3));
  await settle();
  const senders = () => FakePeerConnection.made.map((pc) => pc.transceiver("audio").sender.track);
  assert.deepEqual(senders(), [local.microphone, local.microphone]);
  local.muted = true;
  talk.localChanged();
  await settle();
  assert.deepEqual(senders(), [null, null]);
  local.muted = false;
  talk.localChanged();
  await settle();
  assert.deepEqual(senders(), [local.microphone, local.microphone]);
});

test("the sound button shows only while sound is blocked and someone is there to hear", () => {
  const context = new FakeAudioContext({ state: "suspended", resumable: false });
  const { talk, shown } = setup({ context });
  talk.welcomed(welcome());
  assert.equal(shown().soundBlocked, false);
  talk.received(join(7, 2));
  assert.equal(shown().soundBlocked, true);
  assert.equal(talk.snapshot().soundBlocked, true);
});

test("the test hook's view: plain data about every conversation and the player's own media", () => {
  const { talk, drawn } = setup();
  talk.welcomed(welcome());
  talk.received(join(7, 2, { name: "Bob" }));
  hear(talk, 7);
  drawn.set(2, { x: 100, y: 150 });
  talk.frame();
  const snapshot = talk.snapshot();
  assert.deepEqual(snapshot, {
    peers: [{
      pair: 7, id: 2, user: 20, name: "Bob", polite: false, state: "new", gain: 1, volume: 1, level: 0, speaking: false,
      video: false,
    }],
    asks: [], waiting: [], muted: false, microphone: true, camera: false, status: "online", mediaError: null,
    soundBlocked: false,
  });
  assert.deepEqual(JSON.parse(JSON.stringify(snapshot)), snapshot, "nothing but data");
});

test("volumes: 1 unless set, clamped, a damaged entry forgotten", () => {
  const volumes = new Volumes(memoryStorage({ [VOLUMES_KEY]: "{not json" }));
  assert.equal(volumes.get(20), 1);
  volumes.set(20, 3);
  assert.equal(volumes.get(20), 1);
  volumes.set(20, -1);
  assert.equal(volumes.get(20), 0);
});

test("the hook's gain follows the distance even from a partner who sends no audio", () => {
  const { talk, drawn } = setup();
  talk.welcomed(welcome());
  talk.received(join(7, 2));
  drawn.set(2, { x: 244, y: 100 });
  talk.frame();
  assert.equal(talk.snapshot().peers[0].gain, 0.5);
});

test("the welcome's ICE servers are used by the connections that follow, and a renewal reaches them all", () => {
  const { talk } = setup();
  const turn = { urls: ["turn:127.0.0.1:3478"], username: "1700000600:11", credential: "c2VjcmV0" };
  talk.welcomed(welcome({ ice: { servers: [turn], ttl: 600 } }));
  talk.received(join(5, 2));
  assert.deepEqual(talk.peers.get(5).pc.configuration.iceServers, [turn]);
  const renewed = { ...turn, username: "1700001200:11", credential: "bmV3" };
  talk.received({ t: "ice", servers: [renewed], ttl: 600 });
  assert.deepEqual(talk.peers.get(5).pc.configuration.iceServers, [renewed]);
});
