// What the game does with each message and status from the connection:
// maps loaded and entered in order, patches held while a map loads,
// effects, chat and errors handed on, steps taken and sent.
import { test } from "node:test";
import assert from "node:assert/strict";

import { NetController, TALK_NOTICE } from "../src/netcontroller.js";
import { DOWN, Obstacles, RIGHT } from "../src/movement.js";
import { TICK_MS } from "../src/input.js";

// Lets promises waiting on promises run.
const settle = () => new Promise((resolve) => setImmediate(resolve));

const open = new Obstacles((c, r) => c < 0 || r < 0 || c >= 50 || r >= 50, 32, 32);

// A map load the test finishes when it wants.
function deferredMaps() {
  const loads = [];
  return {
    loads,
    load(welcome) {
      return new Promise((resolve, reject) => {
        loads.push({
          map: welcome.map,
          finish: () => resolve({ name: welcome.map, obstacles: open, width: 1600, height: 1600 }),
          fail: (error) => reject(error),
        });
      });
    },
  };
}

function recorder(names) {
  const calls = [];
  const object = { calls };
  for (const name of names) object[name] = (...args) => { calls.push([name, ...args]); return true; };
  return object;
}

function setup({ talk, agents = null } = {}) {
  const maps = deferredMaps();
  const view = recorder(["entityAdded", "entityRemoved", "showBubble", "showGuide"]);
  view.enterWorld = (scene) => view.calls.push(["enterWorld", scene.self, scene.entities.map((e) => e.id), scene.width]);
  const effects = recorder(["reset", "zonesReported", "acted", "agentClosed"]);
  effects.handle = (message) => { effects.calls.push(["handle", message.effect]); return message.effect !== "unknown"; };
  effects.openZones = new Set();
  const hud = recorder(["connection", "loaded", "showZones", "renderZones", "notice", "mapFailed"]);
  const chat = recorder(["handle", "connected", "reconnected", "connectionLost"]);
  const sent = [];
  let connected = true;
  let time = 1000;
  const happened = [];
  const net = new NetController({
    maps, view, effects, hud, chat, agents, talk,
    send: (message) => { if (connected) sent.push(message); return connected; },
    now: () => time,
    onSignedOut: () => happened.push("signed out"),
    onMoved: () => happened.push("moved"),
  });
  return {
    net, maps, view, effects, hud, chat, agents, sent, happened,
    setTime: (ms) => { time = ms; },
    disconnect: () => { connected = false; },
  };
}

const me = (x = 9600, y = 9600) => [1, "Ada", "fox", true, 100, x, y, 0, 0, 11];
const welcome = (fields = {}) => ({
  t: "welcome", id: 1, user: 11, token: "T", resumed: false, moved: false, map: "town.tmj",
  mapUrl: "/maps/town.tmj", room: "town.tmj", tick: 100, ack: -1, me: me(),
  entities: [[2, "Bob", "owl", true, 100, 4800, 4800, 0, 0, 22]], zones: [[0, "square"]], ...fields,
});

test("a welcome loads its map, then enters it: the view, the HUD, play on", async () => {
  const { net, maps, view, hud } = setup();
  net.received(welcome());
  await settle();
  assert.equal(net.ready, false);
  assert.deepEqual(maps.loads.map((l) => l.map), ["town.tmj"]);
  maps.loads[0].finish();
  await settle();
  assert.equal(net.ready, true);
  assert.deepEqual(view.calls, [["enterWorld", { id: 1, name: "Ada", avatar: "fox" }, [2], 1600]]);
  assert.deepEqual(hud.calls.filter(([name]) => name !== "renderZones"),
    [["showZones", [[0, "square"]]], ["loaded"]]);
  assert.equal(net.selfId, 1);
  assert.equal(net.user, 11);
  assert.equal(net.mapName, "town.tmj");
  assert.deepEqual([net.predictor.body.x, net.predictor.body.y], [9600, 9600]);
  assert.equal(net.world.entities.get(2).name, "Bob");
});

test("patches that come while the map loads wait, and are applied in order once it is in", async () => {
  const { net, maps, view } = setup();
  net.received(welcome());
  await settle();
  net.received({ t: "p", tick: 103, add: [[3, "Cy", "fox", true, 102, 6000, 6000, RIGHT, 2, 33]] });
  net.received({ t: "p", tick: 106, del: [2], mv: [[3, 1, 0, 2, 6600, 6000]] });
  assert.equal(view.calls.length, 0);
  maps.loads[0].finish();
  await settle();
  assert.deepEqual(view.calls.slice(1), [["entityAdded", net.world.entities.get(3)], ["entityRemoved", 2]]);
  assert.deepEqual([...net.world.entities.keys()], [3]);
  assert.equal(net.world.entities.get(3).bodyAt(110, open).x, 6600);
  assert.equal(net.backlog, null);
});

test("a patch's zones go to the effects at once, even while the map loads", async () => {
  const { net, effects } = setup();
  net.received(welcome());
  await settle();
  effects.calls.length = 0;
  net.received({ t: "p", tick: 103, zones: [] });
  assert.deepEqual(effects.calls, [["zonesReported", []]]);
});

test("effects, chat and errors after joining go where they belong", async () => {
  const { net, maps, effects, hud, chat } = setup();
  net.received(welcome());
  await settle();
  maps.loads[0].finish();
  await settle();
  hud.calls.length = 0;
  net.received({ t: "effect", zone: 1, effect: "prompt", text: "Press E" });
  net.received({ t: "effect", zone: 1, effect: "unknown" });
  assert.deepEqual(effects.calls.filter(([name]) => name === "handle"), [["handle", "prompt"], ["handle", "unknown"]]);
  assert.deepEqual(hud.calls, [["renderZones"]], "only an effect it knows changes the button");
  net.received({ t: "said", ref: 1, session: 5, id: 9, at: 0, text: "hi" });
  net.received({ t: "chat", session: 5, kind: "nearby", id: 10, at: 0, text: "hello", from: null });
  assert.deepEqual(chat.calls.map(([, message]) => message.t), ["said", "chat"]);
  hud.calls.length = 0;
  net.received({ t: "error", code: "rate_limited", message: "more than 40 messages in a second", ref: "say" });
  net.received({ t: "error", code: "internal_error", message: "the server failed to handle this message" });
  net.received({ t: "error", code: "steps_dropped", message: "input steps were dropped" });
  net.received({ t: "error", code: "stale_seq" });
  assert.deepEqual(hud.calls, [
    ["notice", "rate_limited", "more than 40 messages in a second"],
    ["notice", "internal_error", "the server failed to handle this message"],
    ["notice", "stale_seq", "The server reported stale_seq."],
  ]);
});

test("the connection's status: the banner, the chat told of its connection, drops and returns, signing out", () => {
  const { net, hud, chat, happened } = setup();
  net.statusChanged({ state: "connected", resumed: false });
  net.statusChanged({ state: "reconnecting", attempt: 1, delaySeconds: 1 });
  net.statusChanged({ state: "connected", resumed: true });
  assert.deepEqual(chat.calls.map(([name]) => name), ["connected", "connectionLost", "reconnected"],
    "the chat sends what waits on the first connection too");
  assert.deepEqual(hud.calls.map(([, status]) => status.state), ["connected", "reconnecting", "connected"]);
  net.statusChanged({ state: "refused", code: "unknown_map", reason: "no map" });
  assert.deepEqual(hud.calls.at(-1), ["connection", { state: "refused", code: "unknown_map", reason: "no map" }]);
  assert.deepEqual(net.status, { state: "refused", code: "unknown_map", reason: "no map" });
  net.statusChanged({ state: "signed_out", reason: "gone" });
  assert.deepEqual(happened, ["signed out"]);
  assert.equal(hud.calls.length, 4, "signing out is the page's to show");
});

test("steps due are sampled from the controls, predicted, and sent in batches; a patch settles them", async () => {
  const { net, maps, sent, setTime } = setup();
  net.received(welcome());
  await settle();
  maps.loads[0].finish();
  await settle();
  const asked = [];
  const bits = (body, now) => { asked.push([body.x, now]); return RIGHT; };
  setTime(1000 + 3 * TICK_MS);
  net.takeSteps(1000 + 3 * TICK_MS, bits);
  assert.equal(asked.length, 3);
  assert.deepEqual(asked.map(([x]) => x), [9600, 9760, 9920]);
  assert.deepEqual(sent, [{ t: "in", seq: 0, steps: [RIGHT, RIGHT, RIGHT] }]);
  assert.equal(net.predictor.body.x, 9600 + 3 * 160);
  // The server consumed two; the third still waits.
  net.received({ t: "p", tick: 104, me: [1, 1, 9920, 9600, 2, 1] });
  assert.equal(net.predictor.ackSeq, 1);
  assert.equal(net.predictor.pending.length, 1);
  assert.equal(net.predictor.corrections, 0);
});

test("acting needs play on and a connection; it answers the prompt", async () => {
  const { net, maps, sent, effects, disconnect } = setup();
  assert.equal(net.act(), false);
  net.received(welcome());
  await settle();
  maps.loads[0].finish();
  await settle();
  effects.calls.length = 0;
  assert.equal(net.act(), true);
  assert.deepEqual(sent.at(-1), { t: "act" });
  assert.deepEqual(effects.calls, [["acted"]]);
  disconnect();
  assert.equal(net.act(), false);
  assert.equal(effects.calls.length, 1);
});

test("through a door: the effects reset, steering stops, the new map is entered with the steps on their way", async () => {
  const { net, maps, effects, happened, setTime } = setup();
  net.received(welcome());
  await settle();
  maps.loads[0].finish();
  await settle();
  setTime(1000 + 2 * TICK_MS);
  net.takeSteps(1000 + 2 * TICK_MS, () => DOWN);
  const clock = net.serverClock;
  effects.calls.length = 0;
  // The server had step 0 when it moved us; step 1 walks on in the cafe.
  net.received(welcome({
    moved: true, map: "cafe.tmj", mapUrl: "/maps/cafe.tmj", room: "cafe.tmj", ack: 0,
    me: me(3000, 3000), entities: [], zones: [],
  }));
  await settle();
  assert.deepEqual(effects.calls.slice(0, 2), [["reset"], ["zonesReported", []]]);
  assert.deepEqual(happened, ["moved"]);
  assert.equal(net.ready, false);
  maps.loads[1].finish();
  await settle();
  assert.equal(net.mapName, "cafe.tmj");
  assert.deepEqual([net.predictor.body.x, net.predictor.body.y], [3000, 3000 + 160]);
  assert.equal(net.predictor.pending.length, 1);
  assert.notEqual(net.serverClock, clock, "another room counts its own ticks");
});

test("a resumed avatar keeps its effects; a second welcome while the first map loads wins", async () => {
  const { net, maps, effects, view } = setup();
  net.received(welcome({ resumed: true }));
  await settle();
  assert.equal(effects.calls.some(([name]) => name === "reset"), false);
  net.received(welcome({ map: "cafe.tmj", mapUrl: "/maps/cafe.tmj", room: "cafe.tmj" }));
  await settle();
  maps.loads[0].finish();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(net.ready, false, "the first welcome is entered but play waits for the last");
  maps.loads[1].finish();
  await settle();
  assert.equal(net.ready, true);
  assert.equal(net.mapName, "cafe.tmj");
  assert.equal(view.calls.filter(([name]) => name === "enterWorld").length, 2);
});

test("a map that cannot be loaded is told on the loading screen, and does not hold up the next welcome", async () => {
  const { net, maps, hud } = setup();
  net.received(welcome());
  await settle();
  maps.loads[0].fail(new Error("the map /maps/town.tmj answered 500"));
  await settle();
  const [name, message, retry] = hud.calls.at(-1);
  assert.deepEqual([name, message], ["mapFailed", "The map could not be loaded: the map /maps/town.tmj answered 500"]);
  assert.equal(net.ready, false);
  net.received(welcome());
  await settle();
  maps.loads[1].finish();
  await settle();
  assert.equal(net.ready, true);
  // Trying the first again does nothing now that a later welcome is in.
  retry();
  await settle();
  assert.equal(maps.loads.length, 2);
});

test("trying a failed map again loads it, then applies the patches that came meanwhile", async () => {
  const { net, maps, hud, view } = setup();
  net.received(welcome());
  await settle();
  maps.loads[0].fail(new Error("tileset 'town': its image /maps/town.png could not be loaded"));
  await settle();
  net.received({ t: "p", tick: 101, add: [[3, "Cy", "cat", true, 100, 3200, 3200, 0, 0, 33]] });
  const retry = hud.calls.at(-1)[2];
  retry();
  await settle();
  assert.deepEqual(maps.loads.map((l) => l.map), ["town.tmj", "town.tmj"]);
  maps.loads[1].finish();
  await settle();
  assert.equal(net.ready, true);
  assert.deepEqual(hud.calls.filter(([name]) => name === "loaded").length, 1);
  assert.ok(view.calls.some(([name, entity]) => name === "entityAdded" && entity.id === 3), "the patch was applied");
});

test("talking: peer, signal and ice go to it, and every welcome at once, map or no map; not_paired is quiet", async () => {
  const talk = recorder(["received", "welcomed"]);
  const { net, hud } = setup({ talk });
  net.received(welcome());
  assert.deepEqual(talk.calls.map(([name, message]) => [name, message.t]), [["welcomed", "welcome"]],
    "before the map loads: the server starts afresh now");
  const messages = [
    { t: "peer", event: "join", pair: 3, id: 2, user: 22, name: "Bob", polite: true },
    { t: "signal", pair: 3, from: 2, ice: [] },
    { t: "ice", servers: [], ttl: 600 },
  ];
  for (const message of messages) net.received(message);
  assert.deepEqual(talk.calls.slice(1), messages.map((message) => ["received", message]));
  hud.calls.length = 0;
  net.received({ t: "error", code: "not_paired", message: "no such pair" });
  assert.deepEqual(hud.calls, []);
  // Without talking (the default), the same messages are harmless.
  const plain = setup();
  for (const message of [welcome(), ...messages]) plain.net.received(message);
});

// Conversations with agents as a recorder whose handle() answers with
// what the test says for each message type.
function fakeAgents(outcomes = {}) {
  const agents = recorder(["welcomed"]);
  agents.connectionLost = () => {
    agents.calls.push(["connectionLost"]);
    return [];
  };
  agents.handle = (message) => {
    agents.calls.push(["handle", message.t]);
    return outcomes[message.t] ?? null;
  };
  return agents;
}

test("conversations with agents: their messages go to them, and what they ask of the page is done", () => {
  const guide = { place: "cafe", map: "town.tmj", path: [[1, 2]] };
  const agents = fakeAgents({ talking: { notice: "Scout is too far away." }, reply: { closed: "scout" }, chat: { guide } });
  const { net, hud, effects, chat, view } = setup({ agents });
  net.received({ t: "talking", agent: "scout", error: "too_far" });
  assert.deepEqual(hud.calls, [["notice", TALK_NOTICE, "Scout is too far away."]]);
  net.received({ t: "asked", ref: 1, session: 7, id: 3, at: 0, text: "?" });
  net.received({ t: "reply", session: 7, agent: "scout", piece: "a" });
  assert.deepEqual(effects.calls, [["agentClosed", "scout"]]);
  assert.deepEqual(hud.calls.at(-1), ["renderZones"]);
  net.received({ t: "chat", session: 7, kind: "agent", id: 4, at: 0, text: "a", from: { agent: "scout", name: "Scout" }, guide });
  net.received({ t: "chat", session: 8, kind: "nearby", id: 5, at: 0, text: "hi", from: null });
  assert.deepEqual(agents.calls.map(([, t]) => t), ["talking", "asked", "reply", "chat"]);
  assert.deepEqual(chat.calls.map(([, message]) => message.kind), ["nearby"], "the agent's chat goes through the agents");
  assert.deepEqual(view.calls, [["showGuide", guide]]);
  // Opening a conversation may close the one before.
  const opening = fakeAgents({ talking: { opened: "sage", closed: "scout" } });
  const other = setup({ agents: opening });
  other.net.received({ t: "talking", agent: "sage", open: true, session: 9 });
  assert.deepEqual(other.effects.calls, [["agentClosed", "scout"]]);
  const bubble = { t: "bubble", id: 5, text: "Hello", done: false };
  net.received(bubble);
  assert.deepEqual(view.calls.at(-1), ["showBubble", bubble]);
});

test("the conversations hear of drops, and of welcomes before the effects reset", async () => {
  const agents = fakeAgents();
  const { net, effects } = setup({ agents });
  const order = [];
  agents.welcomed = () => order.push("agents");
  effects.reset = () => order.push("reset");
  net.received(welcome());
  assert.deepEqual(order, ["agents", "reset"]);
  agents.connectionLost = () => {
    agents.calls.push(["connectionLost"]);
    return agents.calls.length === 1 ? ["scout"] : [];
  };
  effects.calls.length = 0;
  net.statusChanged({ state: "reconnecting", attempt: 1, delaySeconds: 1 });
  assert.deepEqual(agents.calls, [["connectionLost"]]);
  assert.deepEqual(effects.calls, [["agentClosed", "scout"]], "the server closed it with the connection");
  net.statusChanged({ state: "reconnecting", attempt: 2, delaySeconds: 2 });
  assert.equal(effects.calls.length, 1);
  // A page without them (the benchmark's) takes an agent's chat as chat.
  const plain = setup();
  plain.net.received({ t: "chat", session: 7, kind: "agent", id: 4, at: 0, text: "a", from: null });
  plain.net.received({ t: "talking", agent: "scout", open: false });
  assert.deepEqual(plain.chat.calls.map(([, message]) => message.t), ["chat"]);
});
