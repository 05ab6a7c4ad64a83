// The test hook (window.arkTest): plain data out of the page's parts, and
// the few things it lets a test do.
import { test } from "node:test";
import assert from "node:assert/strict";

import { TestHook } from "../src/testhook.js";

function parts() {
  const steered = [];
  const calls = [];
  const sprite = (x, y, name) => ({ x, y, isAvatar: true, label: { text: name }, getCenter: () => ({ x, y: y - 20 }) });
  const self = sprite(100, 50, "Ada");
  const bob = sprite(200, 80, "Bob");
  return {
    steered,
    calls,
    net: {
      ready: true, selfId: 1, user: 11, mapName: "town.tmj",
      predictor: { body: { x: 6000, y: 3000 }, ackSeq: 41, pending: [[42, 2]], corrections: 3 },
      status: { state: "connected", resumed: false },
      world: { entities: new Map([
        [5, { id: 5, name: "Scout", agent: { id: "scout", role: "the guide", state: "talking", withId: 1 } }],
        [2, { id: 2, name: "Bob", agent: null }],
        [4, { id: 4, name: "Sage", agent: { id: "sage", role: "the adviser", state: "idle", withId: null } }],
      ]) },
    },
    hud: { zoneNames: ["square", "fountain"] },
    avatars: {
      positions: () => ({ 2: [12000, 4800], 5: [600, 900] }),
      spriteOf: (id) => ({ 1: self, 2: bob })[id] ?? null,
    },
    controls: { steer: (points) => steered.push(points), steering: true },
    camera: {
      coveredBottom: 422,
      visibleWorld: () => [0, 0, 640, 360],
      pagePoint: (x, y, canvas) => ({ x: canvas.left + x * 2, y: canvas.top + y * 2 }),
    },
    maps: { name: "town.tmj", tilemap: { width: 60, height: 40 } },
    effects: {
      call: { zone: 3, room: "ark-meeting-1", domain: "meet.jit.si", jwt: "secret" },
      agent: null, silenced: true, inPrivate: false,
    },
    sounds: { playing: new Map([["/maps/lounge.wav", { volume: 0.4, loop: true, play() {} }]]) },
    connection: { drop: () => { calls.push("drop"); return true; } },
    auth: {
      session: { accessToken: "A", refreshToken: "R", expiresAt: 5, user: { id: 11 }, extra: "kept inside" },
      authorizedJSON: async (url, options) => ({ url, options }),
    },
    bench: null,
    displayList: () => [self, { label: { text: "not an avatar" } }, bob, { isAvatar: false }],
    canvasRect: () => ({ left: 10, top: 5 }),
  };
}

test("the snapshot: the player's prediction, the zones, the others as drawn; null until play is on", () => {
  const given = parts();
  const hook = new TestHook(given);
  assert.equal(hook.ready(), true);
  assert.deepEqual(hook.snapshot(), {
    selfId: 1, user: 11, map: "town.tmj", me: [6000, 3000], zones: ["square", "fountain"],
    ack: 41, pending: 1, corrections: 3, entities: { 2: [12000, 4800], 5: [600, 900] },
  });
  given.net.ready = false;
  assert.equal(hook.snapshot(), null);
  assert.equal(hook.ready(), false);
});

test("steering, and where avatars are on the page and what the camera shows", () => {
  const given = parts();
  const hook = new TestHook(given);
  hook.steer([[1, 2]]);
  assert.deepEqual(given.steered, [[[1, 2]]]);
  assert.equal(hook.steering(), true);
  assert.deepEqual(hook.pagePointOf(1), { x: 10 + 200, y: 5 + 60 });
  assert.deepEqual(hook.pagePointOf(2), { x: 10 + 400, y: 5 + 120 });
  assert.equal(hook.pagePointOf(7), null);
  assert.deepEqual(hook.visibleWorld(), [0, 0, 640, 360]);
  assert.equal(hook.coveredBottom(), 422);
});

test("effects, avatars drawn and the map as plain data", () => {
  const hook = new TestHook(parts());
  assert.deepEqual(hook.effects(), {
    call: { room: "ark-meeting-1", domain: "meet.jit.si" }, agent: null, silenced: true, private: false,
    sounds: [{ url: "/maps/lounge.wav", volume: 0.4, loop: true }],
  });
  assert.deepEqual(hook.avatarsDrawn(), ["Ada", "Bob"]);
  assert.deepEqual(hook.mapDrawn(), { name: "town.tmj", width: 60, height: 40 });
  const empty = parts();
  empty.maps.tilemap = null;
  empty.effects = { call: null, agent: { zone: 1, agent: "guide" }, silenced: false, inPrivate: true };
  empty.sounds.playing.clear();
  const hook2 = new TestHook(empty);
  assert.equal(hook2.mapDrawn(), null);
  assert.deepEqual(hook2.effects(), { call: null, agent: "guide", silenced: false, private: true, sounds: [] });
});

test("the connection, the session and the API, and the benchmark's result", async () => {
  const given = parts();
  const hook = new TestHook(given);
  assert.deepEqual(hook.connectionState(), { state: "connected", resumed: false });
  assert.equal(hook.dropConnection(), true);
  assert.deepEqual(given.calls, ["drop"]);
  assert.deepEqual(hook.session(), { accessToken: "A", refreshToken: "R", expiresAt: 5, user: { id: 11 } });
  assert.deepEqual(await hook.api("/api/chat/sessions"), { url: "/api/chat/sessions", options: undefined });
  assert.equal(hook.benchResult(), null);
  given.bench = { result: { frames: 10 } };
  assert.deepEqual(hook.benchResult(), { frames: 10 });
  given.auth.session = null;
  assert.equal(hook.session(), null);
});

test("talking: the conversations and their stats as the page's Talk has them, null without one", async () => {
  const given = parts();
  const hook = new TestHook(given);
  assert.equal(hook.talk(), null);
  assert.deepEqual(await hook.talkStats(), []);
  const snapshot = { peers: [{ pair: 7, id: 2, state: "connected", gain: 0.5 }], muted: false };
  const stats = [{ pair: 7, bytesReceived: 100, localCandidateType: "relay" }];
  given.talk = { snapshot: () => snapshot, stats: async () => stats };
  assert.deepEqual(hook.talk(), snapshot);
  assert.deepEqual(await hook.talkStats(), stats);
});

test("the agents among the others, in entity order, where drawn; null until play is on", () => {
  const given = parts();
  const hook = new TestHook(given);
  assert.deepEqual(hook.agents(), [
    { id: 4, agentId: "sage", name: "Sage", role: "the adviser", state: "idle", withId: null, x: null, y: null },
    { id: 5, agentId: "scout", name: "Scout", role: "the guide", state: "talking", withId: 1, x: 600, y: 900 },
  ]);
  given.net.ready = false;
  assert.equal(hook.agents(), null);
});

test("conversations with agents, speech bubbles and the guide, as their modules give them", () => {
  const given = parts();
  const hook = new TestHook(given);
  assert.equal(hook.agentChat(), null, "a page without the chat");
  assert.deepEqual(hook.bubbles(), {});
  assert.equal(hook.guide(), null);
  const conversation = { agent: "scout", open: true, session: 70, typing: false, messages: [] };
  given.agents = { snapshot: () => conversation };
  given.bubbles = { snapshot: () => ({ 5: "The cafe is east." }) };
  given.guide = { snapshot: () => ({ place: "the cafe", path: [[1, 2]] }) };
  assert.deepEqual(hook.agentChat(), conversation);
  assert.deepEqual(hook.bubbles(), { 5: "The cafe is east." });
  assert.deepEqual(hook.guide(), { place: "the cafe", path: [[1, 2]] });
});
