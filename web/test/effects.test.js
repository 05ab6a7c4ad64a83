// Zone effects as the player lives them: which panels open and close,
// which sounds play, which indicators show, and what a new map clears.
import { test } from "node:test";
import assert from "node:assert/strict";

import { ZoneEffects, panelWidth, safeAddress } from "../src/effects.js";

// The view as a list of what it was asked to do; `tabs` says whether the
// browser lets a tab open.
function recorder(tabs = true) {
  const calls = [];
  const record = (name) => (...args) => calls.push([name, ...args]);
  const view = {
    openWebsite: (site) => calls.push(["openWebsite", site.url, site.width, site.policy, site.closable]),
    closeWebsite: record("closeWebsite"),
    focusCamera: record("focus"),
    offerLink: (link) => calls.push(["link", link && link.url, link && link.text]),
    openTab: (url) => {
      calls.push(["tab", url]);
      return tabs;
    },
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

function setup({ tabs = true } = {}) {
  const { view, calls } = recorder(tabs);
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

test("a zone's agent opens and closes its conversation, and the page is told with its id", () => {
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

test("a zone's conversation that ended otherwise is let go: acting there opens it again", () => {
  const { effects, since, announced } = setup();
  effects.handle(effect(8, "agent.open", { agent: "scout" }));
  effects.agentClosed("sage");
  assert.equal(effects.agent.agent, "scout", "another agent's conversation");
  effects.agentClosed("scout");
  assert.equal(effects.agent, null);
  assert.deepEqual([...effects.openZones], []);
  assert.deepEqual(announced.at(-1), ["ark:agent-close", "scout"]);
  assert.deepEqual(since(), [["openAgent", "scout"]], "nothing left to close");
  effects.handle(effect(8, "agent.open", { agent: "scout" }));
  assert.deepEqual(since(), [["openAgent", "scout"]]);
  effects.handle(effect(8, "agent.close"));
  assert.deepEqual(since(), [["closeAgent", "scout"]]);
  effects.agentClosed("scout");
  assert.equal(announced.filter(([type]) => type === "ark:agent-close").length, 2, "told once per conversation");
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

test("a meeting keeps its title, width, close button and interface settings", () => {
  const { effects } = setup();
  effects.handle(meeting(1, "acc081ca-stand-up", {
    title: "Stand-up", width: 60, closable: false, interfaceConfig: '{"DEFAULT_BACKGROUND": "#77ee77"}',
  }));
  assert.deepEqual(
    [effects.call.title, effects.call.width, effects.call.closable, effects.call.interfaceConfig],
    ["Stand-up", 60, false, '{"DEFAULT_BACKGROUND": "#77ee77"}']);
  effects.hangUp();
  effects.handle(meeting(1, "r", { title: 7, width: "wide", closable: "no" }));
  assert.deepEqual([effects.call.title, effects.call.width, effects.call.closable, effects.call.interfaceConfig],
    ["r", null, true, null]);
  effects.hangUp();
  effects.handle(meeting(1, "r", { width: 99 }));
  assert.equal(effects.call.width, 85);
});

test("a website opens in its zone, stays for the same page, and closes only for its zone", () => {
  const { effects, since } = setup();
  const site = (zone, url, extra = {}) => effect(zone, "website.open", { url, closable: true, ...extra });
  assert.equal(effects.handle(site(2, "https://example.org/", { width: 40, policy: "fullscreen" })), true);
  assert.deepEqual(since(), [["openWebsite", "https://example.org/", 40, "fullscreen", true]]);
  assert.deepEqual([...effects.openZones], [2]);
  // Resumed, or acted again: nothing reloads.
  effects.handle(site(2, "https://example.org/", { width: 40 }));
  assert.deepEqual(since(), []);
  // Another zone's page replaces it, and becomes the one to close.
  effects.handle(site(3, "/maps/floor1/menu.html", { closable: false }));
  assert.deepEqual(since(), [["closeWebsite"], ["openWebsite", "/maps/floor1/menu.html", null, "", false]]);
  effects.handle(effect(2, "website.close"));
  assert.deepEqual(since(), []);
  effects.handle(effect(3, "website.close"));
  assert.deepEqual(since(), [["closeWebsite"]]);
  assert.equal(effects.website, null);
  effects.handle(effect(3, "website.close"));
  assert.deepEqual(since(), []);
});

test("the player closing the website's panel closes it until it is opened again", () => {
  const { effects, since } = setup();
  effects.handle(effect(2, "website.open", { url: "https://example.org/" }));
  since();
  effects.leaveWebsite();
  assert.deepEqual(since(), [["closeWebsite"]]);
  assert.deepEqual([...effects.openZones], []);
  effects.leaveWebsite();
  effects.handle(effect(2, "website.close"));
  assert.deepEqual(since(), []);
  effects.handle(effect(2, "website.open", { url: "https://example.org/" }));
  assert.deepEqual(since(), [["openWebsite", "https://example.org/", null, "", true]]);
});

test("websites, tabs and links only go to http(s) addresses and to /maps/", () => {
  const { effects, since } = setup();
  for (const url of ["javascript:alert(1)", " javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x",
    "/api/auth/token", "/maps/../api/x", "/maps/%2e%2e/api", "/maps/..\\api", "//evil.example/x", "relative.html",
    "vbscript:x", "https://", "", 7, null, undefined, { href: "https://example.org" }, "https://example.org/\n"]) {
    effects.handle(effect(1, "website.open", { url }));
    effects.handle(effect(1, "link.offer", { url, text: "x" }));
    effects.handle(effect(1, "tab.open", { url }));
    assert.deepEqual(since(), [], String(url));
    assert.equal(safeAddress(url), null, String(url));
  }
  assert.equal(safeAddress("https://example.org/a?b#c"), "https://example.org/a?b#c");
  assert.equal(safeAddress("HTTP://example.org"), "HTTP://example.org");
  assert.equal(safeAddress("/maps/floor1/page.html?x=1"), "/maps/floor1/page.html?x=1");
});

test("odd panel fields are left to the page's defaults", () => {
  const { effects, since } = setup();
  effects.handle(effect(1, "website.open", { url: "https://example.org/", width: "50", policy: ["camera"], closable: "no" }));
  assert.deepEqual(since(), [["openWebsite", "https://example.org/", null, "", true]]);
  assert.equal(panelWidth(Number.NaN), null);
  assert.equal(panelWidth(3), 15);
  assert.equal(panelWidth(50), 50);
});

test("the camera frames the focusable zone entered last, and follows the player after the last", () => {
  const { effects, since } = setup();
  const stage = { x: 352, y: 128, width: 96, height: 96, margin: 0.5 };
  const hall = { x: 0, y: 0, width: 640, height: 480, margin: 0 };
  effects.handle(effect(4, "camera.focus", hall));
  assert.deepEqual(since(), [["focus", hall]]);
  effects.handle(effect(5, "camera.focus", stage));
  assert.deepEqual(since(), [["focus", stage]]);
  // Told again (a resumption): nothing moves.
  effects.handle(effect(5, "camera.focus", stage));
  assert.deepEqual(since(), []);
  // Leaving the stage frames the hall the player still stands in.
  effects.handle(effect(5, "camera.unfocus"));
  assert.deepEqual(since(), [["focus", hall]]);
  effects.handle(effect(5, "camera.unfocus"));
  assert.deepEqual(since(), []);
  effects.handle(effect(4, "camera.unfocus"));
  assert.deepEqual(since(), [["focus", null]]);
  assert.equal(effects.focus, null);
});

test("a focus without an area, or with odd numbers, frames nothing", () => {
  const { effects, since } = setup();
  for (const area of [{}, { x: 0, y: 0, width: 0, height: 10 }, { x: 0, y: 0, width: 10, height: -1 },
    { x: "0", y: 0, width: 10, height: 10 }, { x: 0, y: Number.NaN, width: 10, height: 10 }]) {
    effects.handle(effect(4, "camera.focus", area));
  }
  assert.deepEqual(since(), []);
  effects.handle(effect(4, "camera.focus", { x: 0, y: 0, width: 10, height: 10, margin: -3 }));
  effects.handle(effect(5, "camera.focus", { x: 0, y: 0, width: 10, height: 10, margin: 9 }));
  assert.deepEqual(since(), [
    ["focus", { x: 0, y: 0, width: 10, height: 10, margin: 0 }],
    ["focus", { x: 0, y: 0, width: 10, height: 10, margin: 4 }],
  ]);
});

test("a link is offered while the player stands in its zone", () => {
  const { effects, since } = setup();
  const offer = effect(6, "link.offer", { url: "https://play.workadventu.re/@/org/world/lobby", text: "Go on" });
  effects.handle(offer);
  effects.handle(offer);
  assert.deepEqual(since(), [["link", "https://play.workadventu.re/@/org/world/lobby", "Go on"]]);
  effects.handle(effect(7, "link.withdraw"));
  assert.deepEqual(since(), []);
  effects.handle(effect(6, "link.withdraw"));
  assert.deepEqual(since(), [["link", null, null]]);
  // No text: the address itself.
  effects.handle(effect(6, "link.offer", { url: "https://example.org/" }));
  assert.deepEqual(since(), [["link", "https://example.org/", "https://example.org/"]]);
});

test("a tab opens when the browser lets it, and is offered as a link when not", () => {
  const allowed = setup();
  allowed.effects.handle(effect(3, "tab.open", { url: "https://example.org/shop", text: "Open example.org/shop" }));
  assert.deepEqual(allowed.since(), [["tab", "https://example.org/shop"]]);
  assert.equal(allowed.effects.link, null);

  const refused = setup({ tabs: false });
  refused.effects.handle(effect(3, "tab.open", { url: "https://example.org/shop", text: "Open example.org/shop" }));
  assert.deepEqual(refused.since(), [["tab", "https://example.org/shop"],
    ["link", "https://example.org/shop", "Open example.org/shop"]]);
  refused.effects.handle(effect(3, "link.withdraw"));
  assert.deepEqual(refused.since(), [["link", null, null]]);
  refused.effects.handle(effect(3, "tab.open", { url: "/maps/guide.html" }));
  assert.deepEqual(refused.since(), [["tab", "/maps/guide.html"], ["link", "/maps/guide.html", "Open /maps/guide.html"]]);
});

test("moving to another map also closes the website, the link and the focus", () => {
  const { effects, since } = setup();
  effects.handle(effect(2, "website.open", { url: "https://example.org/" }));
  effects.handle(effect(4, "camera.focus", { x: 0, y: 0, width: 10, height: 10 }));
  effects.handle(effect(6, "link.offer", { url: "https://example.org/", text: "Go" }));
  since();
  effects.reset();
  assert.deepEqual(since(), [["closeWebsite"], ["link", null, null], ["focus", null]]);
  assert.deepEqual([effects.website, effects.link, effects.focus], [null, null, null]);
  effects.reset();
  assert.deepEqual(since(), []);
});
