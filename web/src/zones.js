// What the player is told about the zones they stand in, and what the
// interact key (Space, Enter, E) or the touch action button would do.
// The server decides membership (docs/protocol.md, "zone"); this only
// turns its reports into what the page shows.

import { isTextField } from "./typing.js";

// The keys that interact, by KeyboardEvent.code.
export const INTERACT_CODES = new Set(["Space", "Enter", "NumpadEnter", "KeyE"]);

// "meeting-room-1" -> "Meeting room 1": Tiled names are identifiers.
export function displayName(name) {
  const words = name.replace(/[-_]+/g, " ").replace(/\s+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : "";
}

export class ZonePanel {
  constructor() {
    this.zones = [];
  }

  // A welcome's or patch's `zones`: [[number, name, action?], ...].
  report(zones) {
    this.zones = zones.map(([number, name, action]) => ({ number, name, action: action ?? null }));
  }

  // The place to show: the last named zone in map order, as map makers
  // draw the small room inside the big one after it.
  get place() {
    for (let i = this.zones.length - 1; i >= 0; i--) {
      const shown = displayName(this.zones[i].name);
      if (shown) return shown;
    }
    return null;
  }

  // What acting would do here, as the button says it, or null when
  // nothing would happen: the last zone that offers an action wins.
  get action() {
    return this.actionZone?.action ?? null;
  }

  get actionZone() {
    for (let i = this.zones.length - 1; i >= 0; i--) {
      if (this.zones[i].action) return this.zones[i];
    }
    return null;
  }

  // On a touch screen nobody presses E: the button says only what it does.
  // `open`: the zones whose action is under way (the meeting joined), where
  // the button has nothing left to offer until it ends.
  buttonLabel(touch = false, open = new Set()) {
    const zone = this.actionZone;
    if (zone === null || open.has(zone.number)) return null;
    return touch ? zone.action : `E: ${zone.action}`;
  }
}

// Whether a key event asks to interact: a fresh press of an interact key
// with no modifier, outside any text field (typing a space in chat must
// not open a meeting).
export function isInteractKey(event) {
  if (event.repeat || event.ctrlKey || event.metaKey || event.altKey) return false;
  if (!INTERACT_CODES.has(event.code)) return false;
  return !isTextField(event.target);
}
