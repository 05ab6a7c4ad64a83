// Conversations' connections: two Peers, the impolite Alice and the polite
// Bob, negotiating through a relay that stands for the server, on fake
// RTCPeerConnections that keep real offer/answer state.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  ICE_BATCH, ICE_FLUSH_MS, Peers, RESTART_FIRST_MS, RESTART_MAX_MS, candidateFields, summarizeStats, transportPolicy,
} from "../src/peers.js";
import { FakePeerConnection, FakeTimers, FakeTrack, settle } from "./fakes/media.js";

const PAIR = 7;
const ALICE = 1;
const BOB = 2;

function conversation({ aliceMic = true, bobMic = true } = {}) {
  FakePeerConnection.made = [];
  const timers = new FakeTimers();
  const outbox = { alice: [], bob: [] };
  const arrived = { alice: [], bob: [] };
  const local = {
    alice: { audio: aliceMic ? new FakeTrack("audio") : null, video: null, microphone: aliceMic },
    bob: { audio: bobMic ? new FakeTrack("audio") : null, video: null, microphone: bobMic },
  };
  const make = (who) => new Peers({
    RTCPeerConnection: FakePeerConnection,
    send: (message) => {
      outbox[who].push(message);
      return true;
    },
    timers,
    local: () => local[who],
    onTrack: (peer, track) => arrived[who].push(track),
  });
  const alice = make("alice");
  const bob = make("bob");
  alice.joined({ pair: PAIR, id: BOB, user: 20, name: "Bob", polite: false });
  bob.joined({ pair: PAIR, id: ALICE, user: 10, name: "Alice", polite: true });
  const pcOf = { alice: alice.get(PAIR).pc, bob: bob.get(PAIR).pc };
  // Everything said so far, both ways, as the server relays it, until
  // neither side has anything more to say. Returns what went by.
  const log = [];
  async function exchange() {
    await settle();
    while (outbox.alice.length + outbox.bob.length > 0) {
      for (const message of outbox.alice.splice(0)) {
        log.push(["alice", message]);
        bob.signalled({ ...message, from: ALICE });
      }
      for (const message of outbox.bob.splice(0)) {
        log.push(["bob", message]);
        alice.signalled({ ...message, from: BOB });
      }
      await settle();
    }
    return log.splice(0);
  }
  return { alice, bob, pcOf, local, outbox, arrived, timers, exchange };
}

const kinds = (log) => log.map(([who, message]) => `${who}:${message.sdp?.type ?? "ice"}`);

test("the impolite side offers first, the polite side answers, and both hear each other", async () => {
  const { pcOf, local, arrived, exchange } = conversation();
  const log = await exchange();
  assert.deepEqual(kinds(log), ["alice:offer", "bob:answer"]);
  const [, offer] = log[0];
  assert.deepEqual(Object.keys(offer).sort(), ["pair", "sdp", "t"]);
  assert.deepEqual(Object.keys(offer.sdp).sort(), ["sdp", "type"]);
  assert.equal(offer.pair, PAIR);
  for (const who of ["alice", "bob"]) {
    const pc = pcOf[who];
    assert.equal(pc.signalingState, "stable", who);
    assert.equal(pc.transceivers.length, 2, `${who}: one audio and one video m-line`);
    assert.equal(pc.transceiver("audio").currentDirection, "sendrecv", who);
    assert.equal(pc.transceiver("audio").sender.track, local[who].audio, `${who} sends the microphone`);
    assert.equal(pc.transceiver("video").currentDirection, "inactive", `${who}: no camera yet`);
    assert.deepEqual(arrived[who].map((track) => track.kind), ["audio"]);
  }
});

test("without a microphone the player still hears the other side", async () => {
  const { pcOf, arrived, exchange } = conversation({ aliceMic: false });
  await exchange();
  assert.equal(pcOf.alice.transceiver("audio").currentDirection, "recvonly");
  assert.equal(pcOf.bob.transceiver("audio").currentDirection, "sendonly");
  assert.deepEqual(arrived.alice.map((track) => track.kind), ["audio"]);
  assert.deepEqual(arrived.bob, [], "nothing to hear from Alice");
});

test("a microphone granted late: the audio starts sending, and the other side hears it", async () => {
  const { alice, pcOf, local, arrived, exchange } = conversation({ aliceMic: false });
  await exchange();
  local.alice = { audio: new FakeTrack("audio"), video: null, microphone: true };
  alice.useTracks();
  assert.deepEqual(kinds(await exchange()), ["alice:offer", "bob:answer"]);
  assert.equal(pcOf.alice.transceiver("audio").currentDirection, "sendrecv");
  assert.equal(pcOf.alice.transceiver("audio").sender.track, local.alice.audio);
  assert.deepEqual(arrived.bob.map((track) => track.kind), ["audio"]);
});

test("a camera turned on renegotiates from the polite side too; turned off, the other's video mutes", async () => {
  const { bob, pcOf, local, arrived, exchange } = conversation();
  await exchange();
  local.bob.video = new FakeTrack("video");
  bob.useTracks();
  assert.deepEqual(kinds(await exchange()), ["bob:offer", "alice:answer"]);
  const video = arrived.alice.find((track) => track.kind === "video");
  assert.ok(video, "Alice got Bob's video");
  assert.equal(video.muted, false);
  assert.equal(pcOf.bob.transceiver("video").sender.track, local.bob.video);
  assert.equal(pcOf.alice.transceiver("video").currentDirection, "recvonly");

  local.bob.video = null;
  bob.useTracks();
  await exchange();
  assert.equal(video.muted, true, "Alice sees Bob's initial again");
  assert.equal(pcOf.bob.transceiver("video").sender.track, null);
});

test("offers that cross: the polite side yields and both end up sending video", async () => {
  const { alice, bob, pcOf, local, exchange } = conversation();
  await exchange();
  local.alice.video = new FakeTrack("video");
  local.bob.video = new FakeTrack("video");
  alice.useTracks();
  bob.useTracks();
  const log = await exchange();
  assert.deepEqual(kinds(log).slice(0, 2).sort(), ["alice:offer", "bob:offer"], "both offered at once");
  assert.equal(pcOf.bob.rolledBack, 1, "Bob yielded");
  assert.equal(pcOf.alice.rolledBack, undefined, "Alice ignored Bob's offer");
  for (const who of ["alice", "bob"]) {
    assert.equal(pcOf[who].signalingState, "stable", who);
    assert.equal(pcOf[who].transceiver("video").currentDirection, "sendrecv", who);
  }
});

test("muting takes the track off every connection without negotiating; unmuting puts it back on all", async () => {
  const { alice, pcOf, local, outbox, exchange } = conversation();
  await exchange();
  alice.joined({ pair: 8, id: 3, user: 30, name: "Cy", polite: false });
  await settle();
  outbox.alice.length = 0;
  const second = alice.get(8).pc;
  const microphone = local.alice.audio;
  local.alice.audio = null;
  alice.useTracks();
  await settle();
  assert.equal(pcOf.alice.transceiver("audio").sender.track, null);
  assert.equal(second.transceiver("audio").sender.track, null);
  assert.deepEqual(outbox.alice, [], "muting needs no new offer");
  local.alice.audio = microphone;
  alice.useTracks();
  await settle();
  assert.equal(pcOf.alice.transceiver("audio").sender.track, microphone);
  assert.equal(second.transceiver("audio").sender.track, microphone, "nobody is left deaf");
  assert.deepEqual(outbox.alice, []);
});

test("candidates go out in batches of at most 20 within 50 ms, after their description, and are applied", async () => {
  const { alice, pcOf, outbox, timers, exchange } = conversation();
  await exchange();
  for (let i = 0; i < ICE_BATCH + 5; i++) pcOf.alice.gather(`candidate:${i} 1 udp 1 10.0.0.1 ${5000 + i} typ host`);
  assert.equal(outbox.alice.length, 1, "a full batch goes at once");
  assert.equal(outbox.alice[0].ice.length, ICE_BATCH);
  assert.deepEqual(Object.keys(outbox.alice[0].ice[0]).sort(), ["candidate", "sdpMLineIndex", "sdpMid", "usernameFragment"]);
  timers.advance(ICE_FLUSH_MS - 1);
  assert.equal(outbox.alice.length, 1);
  timers.advance(1);
  assert.equal(outbox.alice.length, 2);
  assert.equal(outbox.alice[1].ice.length, 5);
  await exchange();
  assert.equal(pcOf.bob.added.length, ICE_BATCH + 5);

  // Candidates still waiting when a new offer goes out go before it.
  pcOf.alice.gather("candidate:99 1 udp 1 10.0.0.1 6000 typ host");
  alice.get(PAIR).pc.restartIce();
  await settle();
  assert.deepEqual(outbox.alice.map((message) => message.sdp?.type ?? "ice"), ["ice", "offer"]);
});

test("the impolite side restarts a failed connection after 1 s, 2 s, 4 s… at most 30 s; connecting resets it", async () => {
  const { pcOf, timers, exchange } = conversation();
  await exchange();
  const pc = pcOf.alice;
  const firstCredentials = pc.ufrag;
  pc.setConnectionState("connected");
  pc.setConnectionState("failed");
  timers.advance(RESTART_FIRST_MS - 1);
  assert.equal(pc.restarts, 0);
  timers.advance(1);
  assert.equal(pc.restarts, 1);
  const log = await exchange();
  assert.deepEqual(kinds(log), ["alice:offer", "bob:answer"]);
  assert.notEqual(pc.ufrag, firstCredentials, "the offer asks for new ICE credentials");
  const waits = [];
  for (let restarts = 1; restarts < 8; restarts++) {
    let waited = 0;
    while (pc.restarts === restarts) {
      timers.advance(1000);
      waited += 1000;
    }
    waits.push(waited);
  }
  assert.deepEqual(waits, [2000, 4000, 8000, 16000, RESTART_MAX_MS, RESTART_MAX_MS, RESTART_MAX_MS]);
  pc.setConnectionState("connected");
  assert.equal(timers.pending, 0);
  pc.setConnectionState("disconnected");
  const before = pc.restarts;
  timers.advance(RESTART_FIRST_MS);
  assert.equal(pc.restarts, before + 1, "back to the first wait");

  // The polite side leaves restarting to the other.
  pcOf.bob.setConnectionState("failed");
  timers.advance(RESTART_MAX_MS * 4);
  assert.equal(pcOf.bob.restarts, 0);
});

test("the network back: broken connections restart at once, from either side", async () => {
  const { alice, bob, pcOf, exchange } = conversation();
  await exchange();
  pcOf.bob.setConnectionState("failed");
  bob.checkConnections();
  assert.equal(pcOf.bob.restarts, 1);
  assert.deepEqual(kinds(await exchange()), ["bob:offer", "alice:answer"]);
  assert.equal(pcOf.alice.remoteUfrag, pcOf.bob.ufrag);
  pcOf.alice.setConnectionState("connected");
  alice.checkConnections();
  assert.equal(pcOf.alice.restarts, 0, "a working connection is left alone");
});

test("ICE servers: new connections start with them, existing ones take them for their restarts", () => {
  FakePeerConnection.made = [];
  const peers = new Peers({
    RTCPeerConnection: FakePeerConnection, send: () => true, timers: new FakeTimers(), policy: "relay",
    local: () => ({ audio: null, video: null, microphone: false }),
  });
  const first = peers.joined({ pair: 1, id: 5, user: 50, name: "Di", polite: true }).pc;
  assert.deepEqual(first.configuration, { iceServers: [], iceTransportPolicy: "relay" });
  const servers = [{ urls: ["turn:turn.example:3478"], username: "1700000000:11", credential: "c2VjcmV0" }];
  peers.iceServersChanged(servers);
  assert.deepEqual(first.configuration, { iceServers: servers, iceTransportPolicy: "relay" });
  const second = peers.joined({ pair: 2, id: 6, user: 60, name: "Ed", polite: true }).pc;
  assert.deepEqual(second.configuration.iceServers, servers);
  assert.equal(transportPolicy("?relay=1"), "relay");
  assert.equal(transportPolicy("?map=cafe.tmj"), "all");
});

test("a conversation that ends is closed, and nothing of it goes out or comes in afterwards", async () => {
  const { alice, pcOf, outbox, timers, exchange } = conversation();
  await exchange();
  const pc = pcOf.alice;
  pc.gather("candidate:1 1 udp 1 10.0.0.1 5000 typ host");
  pc.setConnectionState("failed");
  alice.left(PAIR);
  assert.equal(pc.closed, true);
  assert.equal(alice.get(PAIR), null);
  timers.advance(RESTART_MAX_MS);
  pc.gather("candidate:2 1 udp 1 10.0.0.1 5001 typ host");
  assert.deepEqual(outbox.alice, []);
  assert.equal(pc.restarts, 0);
  await alice.signalled({ t: "signal", pair: PAIR, from: BOB, ice: [] });
  assert.equal(alice.left(PAIR), null, "leaving twice is nothing");
});

test("signals for another pair, or from someone else, are dropped", async () => {
  const { alice, pcOf, exchange } = conversation();
  await exchange();
  const ice = [{ candidate: "candidate:1 1 udp 1 10.0.0.2 5000 typ host", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: null }];
  await alice.signalled({ t: "signal", pair: 99, from: BOB, ice });
  await alice.signalled({ t: "signal", pair: PAIR, from: 42, ice });
  assert.equal(pcOf.alice.added.length, 0);
  await alice.signalled({ t: "signal", pair: PAIR, from: BOB, ice });
  assert.equal(pcOf.alice.added.length, 1);
});

test("a welcome's fresh start closes every connection", async () => {
  const { alice, pcOf, exchange } = conversation();
  await exchange();
  alice.closeAll();
  assert.equal(alice.size, 0);
  assert.equal(pcOf.alice.closed, true);
});

test("a candidate carries exactly the protocol's four fields", () => {
  const json = { candidate: "candidate:1", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "u", extra: 1 };
  assert.deepEqual(candidateFields({ toJSON: () => json }),
    { candidate: "candidate:1", sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "u" });
  assert.deepEqual(candidateFields({ candidate: "" }), { candidate: "", sdpMid: null, sdpMLineIndex: null, usernameFragment: null });
});

test("stats: the audio that came and went, and the kind of candidates in use", async () => {
  const report = new Map(Object.entries({
    a: { id: "a", type: "inbound-rtp", kind: "audio", bytesReceived: 5000, totalAudioEnergy: 0.25 },
    b: { id: "b", type: "outbound-rtp", kind: "audio", bytesSent: 4000 },
    c: { id: "c", type: "inbound-rtp", kind: "video", bytesReceived: 90000 },
    t: { id: "t", type: "transport", selectedCandidatePairId: "p2" },
    p1: { id: "p1", type: "candidate-pair", localCandidateId: "l1", remoteCandidateId: "r1", nominated: true, state: "succeeded" },
    p2: { id: "p2", type: "candidate-pair", localCandidateId: "l2", remoteCandidateId: "r2" },
    l1: { id: "l1", type: "local-candidate", candidateType: "host" },
    r1: { id: "r1", type: "remote-candidate", candidateType: "host" },
    l2: { id: "l2", type: "local-candidate", candidateType: "relay" },
    r2: { id: "r2", type: "remote-candidate", candidateType: "srflx" },
  }));
  assert.deepEqual(summarizeStats(report), {
    bytesReceived: 5000, totalAudioEnergy: 0.25, bytesSent: 4000, videoBytesReceived: 90000, videoBytesSent: 0,
    localCandidateType: "relay", remoteCandidateType: "srflx",
  });
  report.delete("t");
  assert.equal(summarizeStats(report).localCandidateType, "host", "without transport stats, the nominated pair");
  assert.deepEqual(summarizeStats(new Map()), {
    bytesReceived: 0, totalAudioEnergy: 0, bytesSent: 0, videoBytesReceived: 0, videoBytesSent: 0,
    localCandidateType: null, remoteCandidateType: null,
  });

  const { alice, pcOf, exchange } = conversation();
  await exchange();
  pcOf.alice.stats = report;
  pcOf.alice.connectionState = "connected";
  const [stats] = await alice.stats();
  assert.equal(stats.pair, PAIR);
  assert.equal(stats.id, BOB);
  assert.equal(stats.state, "connected");
  assert.equal(stats.bytesReceived, 5000);
});
