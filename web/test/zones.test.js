import assert from "node:assert/strict";
import { test } from "node:test";

import { ZonePanel, displayName, isInteractKey } from "../src/zones.js";

test("Tiled names read as places", () => {
  assert.equal(displayName("meeting-room-1"), "Meeting room 1");
  assert.equal(displayName("agents_corner"), "Agents corner");
  assert.equal(displayName("  "), "");
  assert.equal(displayName(""), "");
});

test("the innermost named zone is the place shown", () => {
  const panel = new ZonePanel();
  assert.equal(panel.place, null);
  panel.report([[0, "office"], [3, "meeting-room-2"], [4, ""]]);
  assert.equal(panel.place, "Meeting room 2");
  panel.report([]);
  assert.equal(panel.place, null);
});

test("the action button appears only where acting does something", () => {
  const panel = new ZonePanel();
  panel.report([[0, "office"]]);
  assert.equal(panel.buttonLabel(), null);
  panel.report([[0, "office"], [3, "meeting-room-2", "Join meeting"]]);
  assert.equal(panel.buttonLabel(), "E: Join meeting");
  panel.report([[3, "meeting-room-2", "Join meeting"], [5, "guide", "Talk to the guide"]]);
  assert.equal(panel.buttonLabel(), "E: Talk to the guide");
  panel.report([[0, "office"]]);
  assert.equal(panel.buttonLabel(), null);
});

test("on a touch screen the action button has no key to name", () => {
  const panel = new ZonePanel();
  panel.report([[3, "meeting-room-2", "Join meeting"]]);
  assert.equal(panel.buttonLabel(true), "Join meeting");
  panel.report([]);
  assert.equal(panel.buttonLabel(true), null);
});

test("the action button hides while its zone's meeting is open", () => {
  const panel = new ZonePanel();
  panel.report([[0, "office", "Talk to the guide"], [3, "meeting-room-2", "Join meeting"]]);
  assert.equal(panel.buttonLabel(false, new Set([3])), null);
  // Another zone's open call does not hide it.
  assert.equal(panel.buttonLabel(false, new Set([0])), "E: Join meeting");
});

function key(code, extra = {}) {
  return { code, repeat: false, ctrlKey: false, metaKey: false, altKey: false,
    target: { tagName: "CANVAS" }, ...extra };
}

test("Space, Enter and E interact; held keys and typing do not", () => {
  for (const code of ["Space", "Enter", "NumpadEnter", "KeyE"]) assert.ok(isInteractKey(key(code)), code);
  assert.ok(!isInteractKey(key("KeyW")));
  assert.ok(!isInteractKey(key("KeyE", { repeat: true })));
  assert.ok(!isInteractKey(key("Enter", { ctrlKey: true })));
  assert.ok(!isInteractKey(key("Space", { target: { tagName: "INPUT" } })));
  assert.ok(!isInteractKey(key("KeyE", { target: { tagName: "TEXTAREA" } })));
  assert.ok(!isInteractKey(key("KeyE", { target: { tagName: "DIV", isContentEditable: true } })));
});
