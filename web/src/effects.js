// What zone effects (docs/protocol.md, "effect") leave switched on for the
// player: the prompt, the meeting, the agent, the website, the camera's
// focus, a link offered, the sounds and the silent and private states,
// and when each goes away again. Drawing it is the view's job
// (effectview.js in the page, a recorder in the tests), so this decides
// everything without a DOM. What the server sends is checked here: an
// effect missing what it needs, or with a field of the wrong kind,
// changes nothing.

// view: showPrompt(text or null), openCall(call), closeCall(),
//   showSilenced(bool), showPrivate(bool), playSound(url, volume, loop),
//   stopSound(url), openAgent(agent) and closeAgent(agent) (the page
//   sends `talk` and `untalk`, agentchat.js), openWebsite(site),
//   closeWebsite(), focusCamera(area or null), offerLink(link or null),
//   openTab(url) -> false when the browser refused to open it.
// events: an EventTarget (the window) told `ark:agent-open` and
//   `ark:agent-close`, with the agent's id in `detail.agent`, when a
//   zone's agent comes into force and goes (for the end-to-end tests).
export class ZoneEffects {
  constructor({ view, events = null }) {
    this.view = view;
    this.events = events;
    this.prompt = null;
    this.call = null;
    this.agent = null;
    this.website = null;
    this.link = null;
    // The focusable zones the player stands in, by zone number, in the
    // order entered: the camera frames the last.
    this.focusZones = new Map();
    // By zone number: a player may stand in two overlapping silent zones,
    // and leaving one leaves them silenced by the other.
    this.silentZones = new Set();
    this.privateZones = new Set();
    this.sounds = new Map();
  }

  // For the proximity audio and video still to come.
  get silenced() {
    return this.silentZones.size > 0;
  }

  get inPrivate() {
    return this.privateZones.size > 0;
  }

  // The zones whose call, agent or website is open now.
  get openZones() {
    const open = new Set();
    if (this.call !== null) open.add(this.call.zone);
    if (this.agent !== null) open.add(this.agent.zone);
    if (this.website !== null) open.add(this.website.zone);
    return open;
  }

  // What the camera frames now: the area of the focusable zone entered
  // last, or null (it follows the player).
  get focus() {
    let last = null;
    for (const area of this.focusZones.values()) last = area;
    return last;
  }

  // One `effect` message; false when it names an effect this client does
  // not know (plugins may send their own), which changes nothing.
  handle(message) {
    const handler = HANDLERS.get(message?.effect);
    if (handler === undefined) return false;
    handler(this, message);
    return true;
  }

  // The zones the server has the avatar in now (a welcome's or a patch's
  // `zones`): a prompt stays only while the player is in its zone.
  zonesReported(zones) {
    if (this.prompt === null) return;
    if (!zones.some(([number]) => number === this.prompt.zone)) this.clearPrompt();
  }

  // The player acted: the prompt has been answered.
  acted() {
    this.clearPrompt();
  }

  // The player hung up from the page.
  hangUp() {
    if (this.call === null) return;
    this.call = null;
    this.view.closeCall();
  }

  // The zone's agent is no longer in force: the conversation it opened
  // is closed.
  leaveAgent() {
    if (this.agent === null) return;
    const { agent } = this.agent;
    this.agent = null;
    this.view.closeAgent(agent);
    this.announce("ark:agent-close", agent);
  }

  // The conversation with an agent ended otherwise (the player ended it,
  // walked away): if it was the zone's, acting in the zone opens it
  // again. Nothing is left to close.
  agentClosed(agent) {
    if (this.agent === null || this.agent.agent !== agent) return;
    this.agent = null;
    this.announce("ark:agent-close", agent);
  }

  // The player closed the website's panel.
  leaveWebsite() {
    if (this.website === null) return;
    this.website = null;
    this.view.closeWebsite();
  }

  withdrawLink() {
    if (this.link === null) return;
    this.link = null;
    this.view.offerLink(null);
  }

  // A new welcome that is not a resumption (another map, or a fresh
  // avatar): nothing of where the player was goes along.
  reset() {
    this.clearPrompt();
    this.hangUp();
    this.leaveAgent();
    this.leaveWebsite();
    this.withdrawLink();
    if (this.focusZones.size > 0) {
      this.focusZones.clear();
      this.view.focusCamera(null);
    }
    if (this.silenced) {
      this.silentZones.clear();
      this.view.showSilenced(false);
    }
    if (this.inPrivate) {
      this.privateZones.clear();
      this.view.showPrivate(false);
    }
    for (const url of [...this.sounds.keys()]) this.stopSound(url);
  }

  clearPrompt() {
    if (this.prompt === null) return;
    this.prompt = null;
    this.view.showPrompt(null);
  }

  stopSound(url) {
    if (!this.sounds.delete(url)) return;
    this.view.stopSound(url);
  }

  announce(type, agent) {
    this.events?.dispatchEvent(new CustomEvent(type, { detail: { agent } }));
  }
}

const isText = (value) => typeof value === "string" && value !== "";
const isNumber = (value) => typeof value === "number" && Number.isFinite(value);

// Where a website, tab or link may point: an absolute http(s) address,
// or a path on this server under /maps/ (the server resolves a map's
// relative addresses to those). Anything else (javascript:, data:, a
// path out of /maps/, however encoded) is null. The URL parser does
// what a browser would with dots, escapes and backslashes before the
// check, so nothing slips past it.
const HERE = "https://ark.invalid";

export function safeAddress(url) {
  if (!isText(url) || url.length > 2048 || /[\u0000-\u001f\u007f]/.test(url)) return null;
  let parsed;
  try {
    parsed = new URL(url, `${HERE}/maps/`);
  } catch {
    return null;
  }
  if (parsed.origin === HERE) {
    if (!url.startsWith("/") || url.startsWith("//")) return null;
    return parsed.pathname.startsWith("/maps/") ? url : null;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  return /^https?:\/\//i.test(url) && parsed.hostname !== "" ? url : null;
}

// A side panel's width in percent of the screen, as the server clamps
// it; null (the page's default) when absent or not a number.
export const MIN_PANEL_WIDTH = 15;
export const MAX_PANEL_WIDTH = 85;

export function panelWidth(width) {
  return isNumber(width) ? Math.min(MAX_PANEL_WIDTH, Math.max(MIN_PANEL_WIDTH, width)) : null;
}

function prompt(effects, { zone, text }) {
  if (!isText(text)) return;
  effects.prompt = { zone, text };
  effects.view.showPrompt(text);
}

function openCall(effects, { zone, room, domain, config, interfaceConfig, jwt, title, width, closable }) {
  if (!isText(room) || !isText(domain)) return;
  const current = effects.call;
  if (current !== null && current.room === room && current.domain === domain) {
    // Already in that call (acting twice in the room): it now belongs
    // to the zone that asked last.
    current.zone = zone;
    return;
  }
  if (current !== null) effects.view.closeCall();
  effects.call = {
    zone, room, domain,
    title: isText(title) ? title : room,
    config: config ?? null,
    interfaceConfig: interfaceConfig ?? null,
    jwt: isText(jwt) ? jwt : null,
    width: panelWidth(width),
    closable: closable !== false,
  };
  effects.view.openCall(effects.call);
}

// Only the zone whose call it is hangs it up: walking out of an outer
// room must not end the call of the inner one the player still stands in.
function closeCall(effects, { zone }) {
  if (effects.call !== null && effects.call.zone === zone) effects.hangUp();
}

function zoneSet(effects, set, show, zone, inside) {
  const before = set.size > 0;
  if (inside) set.add(zone);
  else set.delete(zone);
  if (before !== set.size > 0) show.call(effects.view, set.size > 0);
}

function playSound(effects, { url, volume, loop }) {
  if (!isText(url)) return;
  const wanted = {
    volume: Number.isFinite(volume) ? Math.min(1, Math.max(0, volume)) : 1,
    loop: loop === true,
  };
  const current = effects.sounds.get(url);
  if (current !== undefined && current.volume === wanted.volume && current.loop === wanted.loop) return;
  effects.sounds.set(url, wanted);
  effects.view.playSound(url, wanted.volume, wanted.loop);
}

function openAgent(effects, { zone, agent }) {
  if (!isText(agent)) return;
  if (effects.agent !== null && effects.agent.agent === agent) {
    effects.agent.zone = zone;
    return;
  }
  effects.leaveAgent();
  effects.agent = { zone, agent };
  effects.view.openAgent(agent);
  effects.announce("ark:agent-open", agent);
}

function closeAgent(effects, { zone }) {
  if (effects.agent !== null && effects.agent.zone === zone) effects.leaveAgent();
}

function openWebsite(effects, { zone, url, width, policy, closable }) {
  const address = safeAddress(url);
  if (address === null) return;
  const current = effects.website;
  if (current !== null && current.url === address) {
    // The same page again (a resumption, acting twice): it stays, and is
    // now the zone's that asked last.
    current.zone = zone;
    return;
  }
  effects.leaveWebsite();
  effects.website = {
    zone,
    url: address,
    width: panelWidth(width),
    policy: typeof policy === "string" ? policy.slice(0, 1000) : "",
    closable: closable !== false,
  };
  effects.view.openWebsite(effects.website);
}

// Only the zone that opened the website closes it by walking out.
function closeWebsite(effects, { zone }) {
  if (effects.website !== null && effects.website.zone === zone) effects.leaveWebsite();
}

function focusCamera(effects, { zone, x, y, width, height, margin }) {
  if (![x, y, width, height].every(isNumber) || width <= 0 || height <= 0) return;
  const area = { x, y, width, height, margin: isNumber(margin) ? Math.min(4, Math.max(0, margin)) : 0 };
  const before = effects.focus;
  effects.focusZones.delete(zone);
  effects.focusZones.set(zone, area);
  if (!sameArea(before, area)) effects.view.focusCamera(area);
}

function unfocusCamera(effects, { zone }) {
  const before = effects.focus;
  if (!effects.focusZones.delete(zone)) return;
  const after = effects.focus;
  if (!sameArea(before, after)) effects.view.focusCamera(after);
}

function sameArea(a, b) {
  if (a === null || b === null) return a === b;
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height && a.margin === b.margin;
}

function offerLink(effects, { zone, url, text }) {
  const address = safeAddress(url);
  if (address === null) return;
  const link = { zone, url: address, text: isText(text) ? text : address };
  const current = effects.link;
  if (current !== null && current.url === link.url && current.text === link.text) {
    current.zone = zone;
    return;
  }
  effects.link = link;
  effects.view.offerLink(link);
}

function withdrawLink(effects, { zone }) {
  if (effects.link !== null && effects.link.zone === zone) effects.withdrawLink();
}

// A browser opens a tab only just after the player clicked or pressed a
// key: when it refuses, the player gets a link to click instead.
function openTab(effects, { zone, url, text }) {
  const address = safeAddress(url);
  if (address === null) return;
  if (effects.view.openTab(address)) return;
  offerLink(effects, { zone, url: address, text: isText(text) ? text : `Open ${address}` });
}

// A Map, not an object: an effect named "constructor" is just unknown.
const HANDLERS = new Map([
  ["prompt", prompt],
  ["jitsi.open", openCall],
  ["jitsi.close", closeCall],
  ["silence", (e, { zone }) => zoneSet(e, e.silentZones, e.view.showSilenced, zone, true)],
  ["unsilence", (e, { zone }) => zoneSet(e, e.silentZones, e.view.showSilenced, zone, false)],
  ["private.enter", (e, { zone }) => zoneSet(e, e.privateZones, e.view.showPrivate, zone, true)],
  ["private.leave", (e, { zone }) => zoneSet(e, e.privateZones, e.view.showPrivate, zone, false)],
  ["audio.play", playSound],
  ["audio.stop", (e, { url }) => e.stopSound(url)],
  ["agent.open", openAgent],
  ["agent.close", closeAgent],
  ["website.open", openWebsite],
  ["website.close", closeWebsite],
  ["camera.focus", focusCamera],
  ["camera.unfocus", unfocusCamera],
  ["link.offer", offerLink],
  ["link.withdraw", withdrawLink],
  ["tab.open", openTab],
]);
