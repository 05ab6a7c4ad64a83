// Zone effects as the player lives them: which panels open and close,
// which sounds play, which indicators show, and what a new map clears.
import { test } from "node:test";
import assert from "node:assert/strict";

import { ZoneEffects } from "../src/effects.js";

// The view as a list of what it was asked to do.
function recorder() {
  const calls = [];
  const record = (name) => (...args) => calls.push([name, ...args]);
  const view = {
    showPrompt: record("prompt"),
    openCall: (call) => calls.push(["openCall", call.room, call.domain]),
    closeCall: record("closeCall"),
    showSilenced: record("silenced"),
    showPrivate: record("private"),
    playSound: record("play"),
    stopSound: record("stop"),
    openAgent: record("openAgent"),
    closeAgent: record("closeAgent"),
  };
  return { view, calls };
}

function setup() {
  const { view, calls } = recorder();
  const events = new EventTarget();
  const announced = [];
  for (const type of ["ark:agent-open", "ark:agent-close"]) {
    events.addEventListener(type, (event) => announced.push([type, event.detail.agent]));
  }
  const effects = new ZoneEffects({ view, events });
  // What the view was asked since the last look.
  const since = () => calls.splice(0);
  return { effects, since, announced };
}

const effect = (zone, name, fields = {}) => ({ t: "effect", zone, effect: name, ...fields });
const meeting = (zone, room, extra = {}) => effect(zone, "jitsi.open", { room, domain: "meet.jit.si", ...extra });

test("walking into a meeting room opens its call, walking out hangs up", () => {
  const { effects, since } = setup();
  assert.equal(effects.handle(meeting(1, "ark-meeting-1")), true);
  assert.deepEqual(since(), [["openCall", "ark-meeting-1", "meet.jit.si"]]);
  assert.equal(effects.call.room, "ark-meeting-1");
  effects.handle(effect(1, "jitsi.close"));
  assert.deepEqual(since(), [["closeCall"]]);
  assert.equal(effects.call, null);
  // Nothing open: nothing to hang up.
  effects.handle(effect(1, "jitsi.close"));
  assert.deepEqual(since(), []);
});

test("acting twice in a room does not rejoin; another room's call replaces it", () => {
  const { effects, since } = setup();
  effects.handle(meeting(3, "ark-meeting-2"));
  effects.handle(meeting(3, "ark-meeting-2"));
  assert.deepEqual(since(), [["openCall", "ark-meeting-2", "meet.jit.si"]]);
  effects.handle(meeting(4, "inner"));
  assert.deepEqual(since(), [["closeCall"], ["openCall", "inner", "meet.jit.si"]]);
  // Leaving the outer room leaves the inner room's call alone.
  effects.handle(effect(3, "jitsi.close"));
  assert.deepEqual(since(), []);
  effects.handle(effect(4, "jitsi.close"));
  assert.deepEqual(since(), [["closeCall"]]);
});

test("the call keeps the token and configuration the effect brought", () => {
  const { effects } = setup();
  effects.handle(meeting(1, "r", { jwt: "J.W.T", config: '{"startWithAudioMuted": true}' }));
  assert.equal(effects.call.jwt, "J.W.T");
  assert.equal(effects.call.config, '{"startWithAudioMuted": true}');
  effects.handle(effect(1, "jitsi.close"));
  effects.handle(meeting(1, "r", { jwt: "" }));
  assert.equal(effects.call.jwt, null);
  assert.equal(effects.call.config, null);
});

test("hanging up from the page closes the call until the next open", () => {
  const { effects, since } = setup();
  effects.handle(meeting(1, "r"));
  since();
  effects.hangUp();
  assert.deepEqual(since(), [["closeCall"]]);
  effects.handle(effect(1, "jitsi.close"));
  assert.deepEqual(since(), []);
  effects.handle(meeting(1, "r"));
  assert.deepEqual(since(), [["openCall", "r", "meet.jit.si"]]);
});

test("a prompt lasts while its zone is reported and until the player acts", () => {
  const { effects, since } = setup();
  effects.handle(effect(3, "prompt", { text: "Press E to join the meeting" }));
  assert.deepEqual(since(), [["prompt", "Press E to join the meeting"]]);
  effects.zonesReported([[0, "office"], [3, "meeting-room-2", "Join meeting"]]);
  assert.deepEqual(since(), []);
  effects.zonesReported([[0, "office"]]);
  assert.deepEqual(since(), [["prompt", null]]);
  assert.equal(effects.prompt, null);

  effects.handle(effect(3, "prompt", { text: "Press E" }));
  since();
  effects.acted();
  assert.deepEqual(since(), [["prompt", null]]);
  effects.acted();
  assert.deepEqual(since(), []);
});

test("silent zones mute until the player has left the last of them", () => {
  const { effects, since } = setup();
  assert.equal(effects.silenced, false);
  effects.handle(effect(2, "silence"));
  effects.handle(effect(5, "silence"));
  assert.deepEqual(since(), [["silenced", true]]);
  assert.equal(effects.silenced, true);
  effects.handle(effect(2, "unsilence"));
  assert.deepEqual(since(), []);
  assert.equal(effects.silenced, true);
  effects.handle(effect(5, "unsilence"));
  assert.deepEqual(since(), [["silenced", false]]);
  assert.equal(effects.silenced, false);
});

test("a private area shows its indicator while the player is inside", () => {
  const { effects, since } = setup();
  effects.handle(effect(7, "private.enter"));
  assert.deepEqual(since(), [["private", true]]);
  assert.equal(effects.inPrivate, true);
  effects.handle(effect(7, "private.leave"));
  assert.deepEqual(since(), [["private", false]]);
  assert.equal(effects.inPrivate, false);
});

test("sounds play once each, follow new settings, and stop by address", () => {
  const { effects, since } = setup();
  effects.handle(effect(4, "audio.play", { url: "/maps/lounge.wav", volume: 0.4, loop: true }));
  effects.handle(effect(4, "audio.play", { url: "/maps/lounge.wav", volume: 0.4, loop: true }));
  assert.deepEqual(since(), [["play", "/maps/lounge.wav", 0.4, true]]);
  effects.handle(effect(4, "audio.play", { url: "/maps/lounge.wav", volume: 7, loop: true }));
  assert.deepEqual(since(), [["play", "/maps/lounge.wav", 1, true]]);
  effects.handle(effect(6, "audio.play", { url: "/maps/bell.wav" }));
  assert.deepEqual(since(), [["play", "/maps/bell.wav", 1, false]]);
  assert.deepEqual([...effects.sounds.keys()], ["/maps/lounge.wav", "/maps/bell.wav"]);
  effects.handle(effect(4, "audio.stop", { url: "/maps/lounge.wav" }));
  effects.handle(effect(4, "audio.stop", { url: "/maps/lounge.wav" }));
  effects.handle(effect(4, "audio.stop", { url: "/maps/never-played.wav" }));
  assert.deepEqual(since(), [["stop", "/maps/lounge.wav"]]);
  assert.deepEqual([...effects.sounds.keys()], ["/maps/bell.wav"]);
});

test("an agent's panel opens and closes, and the page is told with its id", () => {
  const { effects, since, announced } = setup();
  effects.handle(effect(8, "agent.open", { agent: "guide" }));
  effects.handle(effect(8, "agent.open", { agent: "guide" }));
  assert.deepEqual(since(), [["openAgent", "guide"]]);
  assert.deepEqual(announced, [["ark:agent-open", "guide"]]);
  effects.handle(effect(9, "agent.close"));
  assert.deepEqual(since(), [], "another zone's close");
  effects.handle(effect(8, "agent.close"));
  assert.deepEqual(since(), [["closeAgent", "guide"]]);
  assert.deepEqual(announced.at(-1), ["ark:agent-close", "guide"]);

  effects.handle(effect(8, "agent.open", { agent: "guide" }));
  effects.handle(effect(9, "agent.open", { agent: "bard" }));
  assert.deepEqual(since(), [["openAgent", "guide"], ["closeAgent", "guide"], ["openAgent", "bard"]]);
  effects.leaveAgent();
  assert.deepEqual(since(), [["closeAgent", "bard"]]);
  assert.deepEqual(announced.slice(2), [
    ["ark:agent-open", "guide"], ["ark:agent-close", "guide"], ["ark:agent-open", "bard"],
    ["ark:agent-close", "bard"],
  ]);
});

test("moving to another map clears every effect, and only once", () => {
  const { effects, since, announced } = setup();
  effects.handle(effect(3, "prompt", { text: "Press E" }));
  effects.handle(meeting(1, "r"));
  effects.handle(effect(2, "silence"));
  effects.handle(effect(7, "private.enter"));
  effects.handle(effect(4, "audio.play", { url: "/a.wav", volume: 1, loop: true }));
  effects.handle(effect(4, "audio.play", { url: "/b.wav", volume: 1, loop: false }));
  effects.handle(effect(8, "agent.open", { agent: "guide" }));
  since();
  effects.reset();
  assert.deepEqual(since(), [
    ["prompt", null], ["closeCall"], ["closeAgent", "guide"], ["silenced", false], ["private", false],
    ["stop", "/a.wav"], ["stop", "/b.wav"],
  ]);
  assert.deepEqual(announced.at(-1), ["ark:agent-close", "guide"]);
  assert.equal(effects.silenced, false);
  assert.equal(effects.inPrivate, false);
  assert.equal(effects.call, null);
  assert.equal(effects.sounds.size, 0);
  effects.reset();
  assert.deepEqual(since(), []);
  // The new map's zones start from nothing.
  effects.handle(effect(2, "unsilence"));
  assert.deepEqual(since(), []);
});

test("effects this client does not know, or without what they need, change nothing", () => {
  const { effects, since, announced } = setup();
  for (const name of ["confetti", "doorbell.ring", "constructor", "__proto__", "toString", "", undefined]) {
    assert.equal(effects.handle(effect(1, name, { text: "x", url: "/x.wav" })), false, String(name));
  }
  assert.equal(effects.handle(null), false);
  effects.handle(effect(1, "prompt", {}));
  effects.handle(effect(1, "prompt", { text: 5 }));
  effects.handle(effect(1, "jitsi.open", { room: "r" }));
  effects.handle(effect(1, "jitsi.open", { domain: "meet.jit.si" }));
  effects.handle(effect(1, "audio.play", { volume: 1 }));
  effects.handle(effect(1, "agent.open", {}));
  assert.deepEqual(since(), []);
  assert.deepEqual(announced, []);
});

test("the zones whose meeting or agent is open are known, for the action button", () => {
  const { effects } = setup();
  assert.deepEqual([...effects.openZones], []);
  effects.handle(meeting(3, "ark-meeting-2"));
  effects.handle(effect(5, "agent.open", { agent: "guide" }));
  assert.deepEqual([...effects.openZones].sort(), [3, 5]);
  effects.hangUp();
  assert.deepEqual([...effects.openZones], [5]);
});
