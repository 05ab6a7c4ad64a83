// End to end: walk up and talk (docs/protocol.md, "Talking: voice and
// video"), in real headless Chromium (/usr/bin/chromium, driven by
// playwright-core, no downloaded browser) against a real `twistd ark`.
//
// Every player has a browser context of its own (pages sharing one are
// throttled in the background) and a fake microphone that plays a 440 Hz
// tone, written by this file (Chromium loops it). What is asserted is what
// a player would notice: the other's voice arriving (bytes and decoded
// samples rising, Web Audio hearing the tone), its volume falling with
// distance, the nearby strip, the mute button, a refresh, the silent
// library, and a TURN relay (Debian's coturn, started here on loopback).
//
// Chromium reports an inbound stream's `totalAudioEnergy` only for audio
// that an unmuted element plays out; the client plays each voice through
// Web Audio and a muted <audio>, so it stays 0 here (asserted below, so a
// change is noticed): the analyser's level and the decoded samples are the
// proof that sound arrives.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

import { decode } from "cbor-x";

import { sineWave } from "./sinewave.js";
import { artifacts, inWorld, serverAndBrowser, settled, startServer, walkTo } from "./support.js";

const scratch = mkdtempSync(join(tmpdir(), "ark-talk-e2e-"));
const TONE_HZ = 440;
const TONE = join(scratch, "tone.wav");
// Three seconds hold a whole number of periods: the loop has no seam.
writeFileSync(TONE, sineWave({ hz: TONE_HZ, seconds: 3, rate: 48000, amplitude: 0.5 }));

const MEDIA_ARGS = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  `--use-file-for-fake-audio-capture=${TONE}`,
  "--autoplay-policy=no-user-gesture-required",
  "--allow-loopback-in-peer-connection",
];

const world = serverAndBrowser(["--sign-in-limit", "100"], MEDIA_ARGS);
after(() => rmSync(scratch, { recursive: true, force: true }));

const DESKTOP = { width: 1280, height: 800 };
// Until a screenshot wants more: the software renderer draws every page,
// and the fewer pixels, the more of the machine is left to the server.
const SMALL = { width: 640, height: 400 };
const PHONE = { width: 390, height: 844 };
// The default talk rules (docs/protocol.md), in px.
const RULES = { connect: 160, leave: 224, full: 64, silence: 224 };
const TILE = 32;
const UNITS = 60;
// Louder than this (RMS) is someone speaking (web/src/voice.js).
const SPEAKING = 0.01;
// Quieter than this is nothing at all.
const QUIET = 0.001;

// The gain rule of docs/protocol.md.
function ruleGain(distance) {
  const t = Math.min(1, Math.max(0, (RULES.silence - distance) / (RULES.silence - RULES.full)));
  return t * t * (3 - 2 * t);
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Poll check() until it returns something truthy (returned), or fail
// after timeout ms saying what was awaited and what seen() shows.
async function until(what, check, { timeout = 20000, interval = 100, seen = async () => null } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; seen: ${JSON.stringify(await seen())}`);
    await pause(interval);
  }
}

// Walk `someone` to the middle of tile [column, row] (support.js's walkTo,
// which sets an avatar stuck on the way off again).
const walk = (someone, [column, row]) => walkTo(someone.page, (column + 0.5) * TILE, (row + 0.5) * TILE);

// Every RTCPeerConnection the page makes, kept where the test can read
// its full getStats() (the test hook's talkStats() has no decoded
// sample counts) and count how many were ever made.
function recordConnections() {
  const Native = window.RTCPeerConnection;
  const made = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      made.push(this);
    }
  };
  window.arkTestConnections = made;
}

// A guest in the world, in a browser context of its own: { name, page,
// id, errors (the page's uncaught errors), heard (every `peer` message the
// server sent it, decoded from the WebSocket's frames) }.
async function player(name, { browser = world.browser, base = world.base, query = "", viewport = SMALL, device = {} } = {}) {
  const context = await browser.newContext({ viewport, ...device, permissions: ["microphone", "camera"] });
  const page = await context.newPage();
  const someone = { name, page, id: null, errors: [], heard: [], welcomes: [] };
  page.on("pageerror", (error) => someone.errors.push(String(error)));
  page.on("websocket", (socket) => socket.on("framereceived", ({ payload }) => {
    if (typeof payload === "string") return;
    let message;
    try {
      message = decode(payload);
    } catch {
      return;
    }
    if (message?.t === "peer") someone.heard.push(message);
    if (message?.t === "welcome") someone.welcomes.push(message);
  }));
  await page.addInitScript(recordConnections);
  await page.goto(`${base}/${query}`);
  await page.waitForSelector("#profile:not([hidden])");
  await page.fill("#profile-name", name);
  await page.click("#profile-guest");
  await inWorld(page);
  someone.id = (await settled(page)).selfId;
  return someone;
}

const talk = (someone) => someone.page.evaluate(() => window.arkTest.talk());
const talkStats = (someone) => someone.page.evaluate(() => window.arkTest.talkStats());
const connectionsMade = (someone) => someone.page.evaluate(() => window.arkTestConnections.length);

// The nearby strip as the player sees it: one tile per partner.
const tilesShown = (someone) => someone.page.$$eval("#talk-tiles .talk-tile", (nodes) => nodes.map((node) => ({
  name: node.querySelector(".name").textContent,
  speaking: node.classList.contains("speaking"),
  connecting: node.classList.contains("connecting"),
})));

// The inbound audio of the page's one open connection, from its full
// getStats(): bytes, packets, samples decoded from what arrived (played
// out, less the ones concealed for lost packets) and totalAudioEnergy.
async function audioIn(someone) {
  const found = await someone.page.evaluate(async () => {
    const open = window.arkTestConnections.filter((pc) => pc.signalingState !== "closed");
    const all = [];
    for (const pc of open) {
      let audio = null;
      (await pc.getStats()).forEach((stat) => {
        if (stat.type === "inbound-rtp" && stat.kind === "audio") audio = stat;
      });
      all.push(audio && {
        bytesReceived: audio.bytesReceived ?? 0,
        packetsReceived: audio.packetsReceived ?? 0,
        decoded: (audio.totalSamplesReceived ?? 0) - (audio.concealedSamples ?? 0),
        totalAudioEnergy: audio.totalAudioEnergy ?? 0,
      });
    }
    return all;
  });
  assert.ok(found.length <= 1, `${someone.name} has ${found.length} open connections`);
  return found[0] ?? null;
}

// Wait until `a` and `b` talk with each other, each through one connected
// WebRTC connection, and see it in the strip; the pair's number.
async function talking(a, b) {
  const pairOf = async (one, other) => {
    const { peers } = await talk(one);
    const peer = peers.find((each) => each.id === other.id);
    if (peers.length !== 1 || peer?.state !== "connected") return null;
    const tiles = await tilesShown(one);
    if (tiles.length !== 1 || tiles[0].name !== other.name || tiles[0].connecting) return null;
    return peer.pair;
  };
  return until(`${a.name} and ${b.name} talk`, async () => {
    const [one, two] = [await pairOf(a, b), await pairOf(b, a)];
    return one !== null && one === two ? one : null;
  }, { seen: async () => [(await talk(a)).peers, (await talk(b)).peers] });
}

// Wait until `listener` hears `speaker` on `pair`: the inbound audio's
// bytes rise (talkStats()), samples are decoded from them (getStats()),
// and Web Audio receives a voice (talk()'s level; the tile's ring).
async function hears(listener, speaker, pair) {
  const inbound = async () => (await talkStats(listener)).find((each) => each.pair === pair) ?? null;
  const first = await inbound();
  const firstDecoded = (await audioIn(listener))?.decoded ?? 0;
  assert.ok(first, `${listener.name} has no connection for pair ${pair}`);
  return until(`${listener.name} hears ${speaker.name}`, async () => {
    const now = await inbound();
    const audio = await audioIn(listener);
    const peer = (await talk(listener)).peers.find((each) => each.pair === pair);
    const ring = (await tilesShown(listener)).find((each) => each.name === speaker.name)?.speaking;
    const heard = now !== null && peer?.state === "connected" && now.id === speaker.id &&
      now.bytesReceived >= first.bytesReceived + 2000 &&
      // Half a second of sound, at 48 kHz.
      audio !== null && audio.decoded >= firstDecoded + 24000 &&
      peer.level > SPEAKING && peer.speaking && ring;
    return heard && { bytesBefore: first.bytesReceived, stats: now, audio, level: peer.level, gain: peer.gain };
  }, { seen: async () => [await inbound(), await audioIn(listener), (await talk(listener)).peers] });
}

// The pitch the page's Web Audio makes out of its one open connection's
// audio: its own analyser on the received track, waiting (inside the
// page) until the loudest frequency is the tone's.
function pitchHeard(someone) {
  return someone.page.evaluate(async (expected) => {
    const pc = window.arkTestConnections.find((each) => each.signalingState !== "closed");
    const track = pc?.getReceivers().find((receiver) => receiver.track.kind === "audio")?.track;
    if (!track) return null;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 8192;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const bins = new Float32Array(analyser.frequencyBinCount);
    const binHz = context.sampleRate / analyser.fftSize;
    let loudest = { hz: 0, db: -Infinity };
    const deadline = performance.now() + 10000;
    while (performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      analyser.getFloatFrequencyData(bins);
      let at = 1;
      for (let i = 2; i < bins.length; i++) if (bins[i] > bins[at]) at = i;
      loudest = { hz: at * binHz, db: bins[at] };
      if (Math.abs(loudest.hz - expected) <= 2 * binHz && loudest.db > -90) break;
    }
    await context.close();
    return loudest;
  }, TONE_HZ);
}

// Wait until both `a` and `b` have no conversation left, in the page's
// state and in the strip.
function apart(a, b) {
  return until(`${a.name} and ${b.name} are apart`, async () => {
    for (const one of [a, b]) {
      if ((await talk(one)).peers.length !== 0 || (await tilesShown(one)).length !== 0) return false;
      if ((await talkStats(one)).length !== 0) return false;
    }
    return true;
  }, { seen: async () => [(await talk(a)).peers, (await talk(b)).peers] });
}

// The `peer` `leave` the server sent `someone` for `pair`.
function leaveOf(someone, pair) {
  return until(`${someone.name} is told pair ${pair} ended`,
    () => someone.heard.find((message) => message.event === "leave" && message.pair === pair),
    { seen: () => someone.heard });
}

// The distance between the two players as `someone`'s page draws them
// (px) and the gain the page set for the other.
async function heardAt(someone, other) {
  const [state, { peers }] = [await settled(someone.page), await talk(someone)];
  const there = state.entities[other.id];
  const distance = there ? Math.hypot(there[0] - state.me[0], there[1] - state.me[1]) / UNITS : null;
  return { distance, peer: peers.find((each) => each.id === other.id) ?? null };
}

// Wait until `someone` has the other at rest where `other` stands, and
// the gain set for them is the rule's for that distance.
async function gainSettled(someone, other, pair) {
  const at = (await settled(other.page)).me;
  return until(`${someone.name} hears ${other.name} at the gain of their distance`, async () => {
    const { distance, peer } = await heardAt(someone, other);
    const drawn = (await settled(someone.page)).entities[other.id];
    if (!drawn || drawn[0] !== at[0] || drawn[1] !== at[1]) return null;
    if (peer === null || peer.pair !== pair || peer.state !== "connected") return null;
    return Math.abs(peer.gain - ruleGain(distance)) < 1e-3 && { distance, gain: peer.gain };
  }, { seen: async () => heardAt(someone, other) });
}

// Let the whole of `during` pass, checking every 100 ms that neither
// player talks to anyone or made a connection meanwhile.
async function neverTalking(players, during) {
  const made = await Promise.all(players.map(connectionsMade));
  let done = false;
  const finished = during.finally(() => { done = true; });
  while (!done) {
    for (const someone of players) {
      assert.deepEqual((await talk(someone)).peers, [], `${someone.name} talks to someone`);
    }
    await Promise.race([finished, pause(100)]);
  }
  await finished;
  assert.deepEqual(await Promise.all(players.map(connectionsMade)), made, "a connection was made meanwhile");
}

// The players of the tests below, who stay from one to the next.
const cast = {};

async function closeAll(...players) {
  for (const someone of players) {
    if (!someone) continue;
    assert.deepEqual(someone.errors, [], `${someone.name}'s page threw`);
    await someone.page.context().close();
  }
}

test("two standing together hear each other; a third across the map hears nothing", { timeout: 180000 }, async (t) => {
  // Cleo joins first and goes to the far corner before anyone else comes.
  const cleo = await player("Cleo");
  await walk(cleo, [58, 38]);
  const ann = await player("Ann");
  const bea = await player("Bea");
  Object.assign(cast, { ann, bea, cleo });
  // Together on the lane below the houses (row 17, east of the agents' corner).
  await Promise.all([walk(ann, [6, 17]), walk(bea, [7, 17])]);
  const pair = await talking(ann, bea);
  cast.pair = pair;
  const beaHeard = await hears(ann, bea, pair);
  const annHeard = await hears(bea, ann, pair);
  for (const heard of [beaHeard, annHeard]) {
    assert.equal(heard.gain, 1, "a tile apart is full volume");
    assert.ok(heard.stats.bytesSent > 0);
  }
  // What arrives is the other's microphone: its 440 Hz tone.
  for (const listener of [ann, bea]) {
    const pitch = await pitchHeard(listener);
    assert.ok(pitch && Math.abs(pitch.hz - TONE_HZ) < 12, `${listener.name} hears ${JSON.stringify(pitch)}`);
    t.diagnostic(`${listener.name}'s loudest frequency: ${pitch.hz.toFixed(1)} Hz at ${pitch.db.toFixed(1)} dB`);
  }
  // Chromium counts totalAudioEnergy only for an unmuted element playing
  // the stream out; the page's voices go through Web Audio.
  for (const heard of [beaHeard, annHeard]) {
    t.diagnostic(`heard: ${JSON.stringify({ level: heard.level, ...heard.audio })}`);
    assert.equal(heard.stats.totalAudioEnergy, 0);
    assert.equal(heard.audio.totalAudioEnergy, 0);
  }

  // Meanwhile, across the map, Cleo never had a connection at all.
  const cleoNow = await talk(cleo);
  assert.deepEqual(cleoNow.peers, []);
  assert.equal(cleoNow.microphone, true, "Cleo's microphone is open, so only the distance keeps her out");
  assert.deepEqual(await talkStats(cleo), []);
  assert.equal(await connectionsMade(cleo), 0);
  assert.deepEqual(await tilesShown(cleo), []);
  assert.deepEqual(cleo.heard, []);
  await closeAll(cleo);
  delete cast.cleo;
});

test("the voice fades as one walks away, and the conversation ends past the leave radius", { timeout: 120000 }, async (t) => {
  const { ann, bea, pair } = cast;
  const near = await Promise.all([gainSettled(ann, bea, pair), gainSettled(bea, ann, pair)]);
  // Six tiles (192 px) apart: farther than a conversation starts, but
  // inside the leave radius: still talking, quieter.
  await walk(bea, [12, 17]);
  const far = await Promise.all([gainSettled(ann, bea, pair), gainSettled(bea, ann, pair)]);
  for (const [index, side] of ["Ann", "Bea"].entries()) {
    assert.ok(far[index].distance > near[index].distance + 100, `${side}: ${JSON.stringify([near[index], far[index]])}`);
    assert.ok(far[index].gain < near[index].gain, `${side} hears the other less: ${JSON.stringify([near[index], far[index]])}`);
    assert.ok(far[index].gain > 0.05 && far[index].gain < 0.2, `${side}: ${JSON.stringify(far[index])}`);
  }
  t.diagnostic(`near ${JSON.stringify(near)}, far ${JSON.stringify(far)}`);
  // The sound still arrives; the gain after it is what fades.
  await hears(ann, bea, pair);

  // Eight tiles (256 px): past the leave radius.
  await walk(bea, [14, 17]);
  await apart(ann, bea);
  for (const someone of [ann, bea]) assert.equal((await leaveOf(someone, pair)).reason, "far");
});

test("the speaker's mute button stops the sound, the conversation stays; unmute brings it back", { timeout: 120000 }, async (t) => {
  const { ann, bea } = cast;
  await walk(bea, [7, 17]);
  const pair = await talking(ann, bea);
  cast.pair = pair;
  await hears(bea, ann, pair);

  await ann.page.click("#talk-mute");
  await ann.page.waitForFunction(() => {
    const button = document.getElementById("talk-mute");
    return button.textContent === "Unmute" && button.getAttribute("aria-pressed") === "true";
  });
  assert.equal((await talk(ann)).muted, true);
  // Bea's inbound bytes stop rising for a second and more, and Web Audio
  // hears nothing; the connection stays up throughout.
  const samples = [];
  const silence = await until("Bea hears nothing from Ann", async () => {
    const stats = (await talkStats(bea)).find((each) => each.pair === pair);
    const peer = (await talk(bea)).peers.find((each) => each.pair === pair);
    assert.equal(peer?.state, "connected", "the conversation stays while Ann is muted");
    assert.equal(stats?.state, "connected");
    const now = { at: Date.now(), bytes: stats.bytesReceived, level: peer.level };
    samples.push(now);
    const second = samples.findLast((sample) => now.at - sample.at >= 1000);
    return second && second.bytes === now.bytes && now.level < QUIET && { second, now };
  });
  assert.ok(silence.now.bytes > 0);
  t.diagnostic(`muted: ${JSON.stringify(silence)}`);
  assert.ok(!(await tilesShown(bea))[0].speaking, "no speaking ring while muted");
  // Ann still hears Bea.
  await hears(ann, bea, pair);

  await ann.page.click("#talk-mute");
  await ann.page.waitForFunction(() => document.getElementById("talk-mute").textContent === "Mute");
  assert.equal((await talk(ann)).muted, false);
  const back = await hears(bea, ann, pair);
  assert.ok(back.stats.bytesReceived > silence.now.bytes);
  assert.equal(back.stats.pair, pair, "the same conversation");
});

test("a refresh rejoins the conversation, and the sound comes back both ways", { timeout: 120000 }, async () => {
  const { ann, bea, pair: before } = cast;
  await bea.page.reload();
  await inWorld(bea.page);
  assert.equal((await settled(bea.page)).selfId, bea.id, "the avatar resumed");
  const pair = await talking(ann, bea);
  assert.notEqual(pair, before, "a new conversation");
  assert.equal((await leaveOf(ann, before)).reason, "gone");
  cast.pair = pair;
  await hears(ann, bea, pair);
  await hears(bea, ann, pair);
});

test("the nearby strip on a desktop and on a phone", { timeout: 120000 }, async (t) => {
  const { ann, bea } = cast;
  const pia = await player("Pia", { viewport: PHONE, device: { isMobile: true, hasTouch: true } });
  t.after(() => pia.page.context().close());
  // Beside the two, in the agents' corner, whose action button a phone
  // shows at the bottom right: everyone talks with everyone.
  await walk(pia, [5, 18]);
  await pia.page.waitForSelector("#action:not([hidden])");
  for (const someone of [ann, bea, pia]) {
    await until(`${someone.name} hears both others`, async () => {
      const { peers } = await talk(someone);
      const tiles = await tilesShown(someone);
      return peers.length === 2 && peers.every((peer) => peer.state === "connected" && peer.level > SPEAKING) &&
        tiles.length === 2 && tiles.every((each) => each.speaking);
    }, { seen: async () => [(await talk(someone)).peers, await tilesShown(someone)] });
  }
  const strip = async (someone, viewport) => {
    const { page } = someone;
    const box = await page.locator("#talk").boundingBox();
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height,
      `${someone.name}'s strip is on the screen: ${JSON.stringify(box)}`);
    // Nothing of the page's own (the chat, its button, the action button
    // and its prompt) lies over the strip.
    for (const other of ["#chat", "#chat-toggle", "#action", "#prompt"]) {
      const covered = await page.locator(other).first().boundingBox();
      if (!covered || !(await page.locator(other).first().isVisible())) continue;
      const overlaps = covered.x < box.x + box.width && box.x < covered.x + covered.width &&
        covered.y < box.y + box.height && box.y < covered.y + covered.height;
      assert.ok(!overlaps, `${other} ${JSON.stringify(covered)} over the strip ${JSON.stringify(box)}`);
    }
    // Each tile's name is shown in full.
    const names = await page.$$eval("#talk-tiles .talk-tile .name", (nodes) => nodes.map((node) => node.scrollWidth <= node.clientWidth));
    assert.deepEqual(names, [true, true]);
    return box;
  };
  await ann.page.setViewportSize(DESKTOP);
  await ann.page.waitForFunction(([width, height]) => window.innerWidth === width && window.innerHeight === height,
    [DESKTOP.width, DESKTOP.height]);
  // With the chat's column open beside the game.
  await ann.page.click("#chat-toggle");
  await ann.page.waitForSelector("#chat:not([hidden])");
  await ann.page.screenshot({ path: join(artifacts, "talk-desktop.png") });
  await strip(ann, DESKTOP);
  await ann.page.click("#chat-close");
  await ann.page.setViewportSize(SMALL);
  await pia.page.screenshot({ path: join(artifacts, "talk-phone.png") });
  await strip(pia, PHONE);
  assert.deepEqual(pia.errors, [], "Pia's page threw");
  await pia.page.context().close();
  await until("Pia's conversations end", async () => (await talk(ann)).peers.length === 1 && (await talk(bea)).peers.length === 1);
});

test("the silent library ends the conversation both ways, and keeps it ended", { timeout: 180000 }, async () => {
  const { ann, bea } = cast;
  // Below the library's door (the library is 96-320 x 192-384 px).
  await Promise.all([walk(ann, [6, 14]), walk(bea, [5, 15])]);
  const pair = await talking(ann, bea);
  await hears(ann, bea, pair);
  // Bea goes in: four tiles (128 px) from Ann, near enough to talk.
  await walk(bea, [6, 10]);
  await bea.page.waitForSelector("#silenced:not([hidden])");
  await apart(ann, bea);
  for (const someone of [ann, bea]) assert.equal((await leaveOf(someone, pair)).reason, "silent");
  // Walking about inside, as near to Ann, brings no conversation.
  await neverTalking([ann, bea], (async () => {
    await walk(bea, [4, 10]);
    await walk(bea, [8, 10]);
    await walk(bea, [6, 10]);
  })());
  // Out of the library again (the door), two tiles from Ann: talking.
  await walk(bea, [6, 12]);
  await bea.page.waitForSelector("#silenced", { state: "hidden" });
  const again = await talking(ann, bea);
  assert.notEqual(again, pair);
  await hears(ann, bea, again);
  await hears(bea, ann, again);
  await closeAll(ann, bea);
  delete cast.ann;
  delete cast.bea;
});

// coturn, as Debian packages it.
function turnserverPath() {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/bin", "/usr/sbin"];
  return dirs.map((dir) => join(dir, "turnserver")).find((path) => existsSync(path)) ?? null;
}

// A port free on 127.0.0.1 for both UDP and TCP (coturn listens on both).
async function freePort() {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket("udp4");
    const port = await new Promise((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, "127.0.0.1", () => resolve(udp.address().port));
    });
    const tcpFree = await new Promise((resolve) => {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
    await new Promise((resolve) => udp.close(resolve));
    if (tcpFree) return port;
  }
  throw new Error("no free port on 127.0.0.1");
}

// Whether a STUN Binding request to 127.0.0.1:port is answered.
function stunAnswers(port) {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    const request = Buffer.alloc(20);
    request.writeUInt16BE(0x0001, 0); // Binding request
    request.writeUInt16BE(0, 2);
    request.writeUInt32BE(0x2112a442, 4); // the magic cookie
    randomBytes(12).copy(request, 8);
    const done = (answered) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), 300);
    socket.on("message", (reply) => done(reply.readUInt16BE(0) === 0x0101 && reply.subarray(8, 20).equals(request.subarray(8, 20))));
    socket.on("error", () => done(false));
    socket.send(request, port, "127.0.0.1");
  });
}

// Start coturn on loopback with REST credentials (use-auth-secret):
// { port, secret, log(), stop() }.
async function startCoturn() {
  const binary = turnserverPath();
  if (binary === null) {
    throw new Error("coturn's turnserver is not installed: the TURN test needs it (apt-get install coturn; .ci/run does)");
  }
  const dir = mkdtempSync(join(tmpdir(), "ark-coturn-"));
  const port = await freePort();
  const relayFrom = 49152 + Math.floor(Math.random() * 15000);
  const secret = randomBytes(24).toString("hex");
  const config = join(dir, "turnserver.conf");
  writeFileSync(config, [
    "listening-ip=127.0.0.1",
    "relay-ip=127.0.0.1",
    `listening-port=${port}`,
    `min-port=${relayFrom}`,
    `max-port=${relayFrom + 200}`,
    "use-auth-secret",
    `static-auth-secret=${secret}`,
    "realm=ark.test",
    // coturn refuses to relay to loopback addresses unless told.
    "allow-loopback-peers",
    "no-cli",
    "no-tls",
    "no-dtls",
    "fingerprint",
    "log-file=stdout",
    "simple-log",
    "verbose",
    `pidfile=${join(dir, "turnserver.pid")}`,
    `userdb=${join(dir, "turndb")}`,
    "",
  ].join("\n"));
  const child = spawn(binary, ["-c", config], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let exited = null;
  child.stdout.on("data", (data) => { output += data; });
  child.stderr.on("data", (data) => { output += data; });
  const gone = new Promise((resolve) => child.on("exit", (code, signal) => {
    exited = { code, signal };
    resolve();
  }));
  const stop = async () => {
    if (exited === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await gone;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until("coturn answers STUN", async () => {
      if (exited !== null) throw new Error(`turnserver exited (${JSON.stringify(exited)}): ${output.slice(-3000)}`);
      return stunAnswers(port);
    }, { timeout: 15000, seen: () => output.slice(-2000) });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, secret, log: () => output, stop };
}

test("through a TURN relay only (?relay=1), with the server's coturn credentials, voice still arrives", { timeout: 180000 }, async (t) => {
  const turn = await startCoturn();
  t.after(() => turn.stop());
  const { child: server, base } = await startServer([
    "--sign-in-limit", "100",
    "--turn-url", `turn:127.0.0.1:${turn.port}?transport=udp`,
    "--turn-secret", turn.secret,
  ]);
  t.after(() => server.kill("SIGTERM"));
  const tom = await player("Tom", { base, query: "?relay=1" });
  const uma = await player("Uma", { base, query: "?relay=1" });
  t.after(() => closeAll(tom, uma));
  // The welcome hands out the TURN server with coturn REST credentials.
  const { ice } = tom.welcomes.at(-1);
  assert.equal(ice.servers.length, 1);
  assert.deepEqual(ice.servers[0].urls, [`turn:127.0.0.1:${turn.port}?transport=udp`]);
  assert.match(ice.servers[0].username, new RegExp(`^\\d+:${(await settled(tom.page)).user}$`));

  // Together on the open ground east of the fountain.
  await Promise.all([walk(tom, [46, 23]), walk(uma, [47, 23])]);
  const pair = await talking(tom, uma);
  await hears(tom, uma, pair);
  await hears(uma, tom, pair);
  for (const someone of [tom, uma]) {
    const [stats] = await talkStats(someone);
    assert.equal(stats.localCandidateType, "relay", `${someone.name}: ${JSON.stringify(stats)}`);
    assert.ok(["relay", "prflx"].includes(stats.remoteCandidateType), `${someone.name}: ${JSON.stringify(stats)}`);
    t.diagnostic(`${someone.name}: ${JSON.stringify(stats)}`);
  }
  // coturn allocated the relays for the players' credentials.
  assert.match(turn.log(), /ALLOCATE processed, success/);
});
