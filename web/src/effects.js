// What zone effects (docs/protocol.md, "effect") leave switched on for the
// player: the prompt, the meeting, the agent, the sounds and the silent
// and private states, and when each goes away again. Drawing it is the
// view's job (effectview.js in the page, a recorder in the tests), so
// this decides everything without a DOM.

// view: showPrompt(text or null), openCall(call), closeCall(),
//   showSilenced(bool), showPrivate(bool), playSound(url, volume, loop),
//   stopSound(url), openAgent(agent), closeAgent(agent).
// events: an EventTarget (the window) told `ark:agent-open` and
//   `ark:agent-close`, with the agent's id in `detail.agent`, for the
//   agents still to come.
export class ZoneEffects {
  constructor({ view, events = null }) {
    this.view = view;
    this.events = events;
    this.prompt = null;
    this.call = null;
    this.agent = null;
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

  // The zones whose call or agent is open now.
  get openZones() {
    const open = new Set();
    if (this.call !== null) open.add(this.call.zone);
    if (this.agent !== null) open.add(this.agent.zone);
    return open;
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

  // The player closed the agent's panel.
  leaveAgent() {
    if (this.agent === null) return;
    const { agent } = this.agent;
    this.agent = null;
    this.view.closeAgent(agent);
    this.announce("ark:agent-close", agent);
  }

  // A new welcome that is not a resumption (another map, or a fresh
  // avatar): nothing of where the player was goes along.
  reset() {
    this.clearPrompt();
    this.hangUp();
    this.leaveAgent();
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

function prompt(effects, { zone, text }) {
  if (!isText(text)) return;
  effects.prompt = { zone, text };
  effects.view.showPrompt(text);
}

function openCall(effects, { zone, room, domain, config, jwt }) {
  if (!isText(room) || !isText(domain)) return;
  const current = effects.call;
  if (current !== null && current.room === room && current.domain === domain) {
    // Already in that call (acting twice in the room): it now belongs
    // to the zone that asked last.
    current.zone = zone;
    return;
  }
  if (current !== null) effects.view.closeCall();
  effects.call = { zone, room, domain, config: config ?? null, jwt: isText(jwt) ? jwt : null };
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
]);
