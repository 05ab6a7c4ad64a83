// Where input comes from: keys, joystick, autopilot, the benchmark's walk;
// and the keys and button that act. The page is stood in for by
// EventTargets and plain objects.
import { test } from "node:test";
import assert from "node:assert/strict";

import { Controls, attachActions, attachJoystick, attachTyping, keyboardBits } from "../src/controls.js";
import { Joystick, RADIUS } from "../src/joystick.js";
import { DOWN, LEFT, RIGHT, RUN, UP, WALK_SPEED } from "../src/movement.js";

function keysHeld(...names) {
  const keys = {};
  for (const name of ["W", "A", "S", "D", "UP", "DOWN", "LEFT", "RIGHT", "SHIFT"]) {
    keys[name] = { isDown: names.includes(name) };
  }
  return keys;
}

const event = (type, fields = {}) => Object.assign(new Event(type, { cancelable: true }), fields);

test("arrows and W A S D walk, Shift runs, opposite keys cancel", () => {
  assert.equal(keyboardBits(keysHeld()), 0);
  assert.equal(keyboardBits(keysHeld("LEFT")), LEFT);
  assert.equal(keyboardBits(keysHeld("W", "D")), UP | RIGHT);
  assert.equal(keyboardBits(keysHeld("S", "SHIFT")), DOWN | RUN);
  assert.equal(keyboardBits(keysHeld("SHIFT")), 0, "Shift alone does not move");
  assert.equal(keyboardBits(keysHeld("A", "D")), LEFT | RIGHT);
});

test("the benchmark's walk, then the autopilot, then the joystick, then the keys, unless typing", () => {
  const keys = keysHeld("RIGHT");
  const joystick = new Joystick();
  let typing = false;
  const controls = new Controls({ keys, joystick, typing: () => typing });
  const body = { x: 0, y: 0 };
  assert.equal(controls.bits(body, 0), RIGHT);
  typing = true;
  assert.equal(controls.bits(body, 0), 0, "keys typed into the chat do not walk");
  joystick.down(1, 100, 600, 390);
  joystick.move(1, 100, 600 + RADIUS);
  assert.equal(controls.bits(body, 0), DOWN | RUN, "a thumb steers even while a field has focus");
  controls.steer([[0, WALK_SPEED * 3]]);
  assert.equal(controls.steering, true);
  assert.equal(controls.bits(body, 0), DOWN);
  assert.equal(controls.bits({ x: 0, y: WALK_SPEED * 3 }, 0), 0);
  assert.equal(controls.steering, false, "arrived: the autopilot lets go");
  controls.steer([[0, 1000]]);
  controls.stopSteering();
  assert.equal(controls.steering, false);

  const scripted = new Controls({ keys, joystick, typing: () => false, script: { bits: (now) => (now > 5 ? LEFT : UP) } });
  scripted.steer([[500, 0]]);
  assert.equal(scripted.bits(body, 10), LEFT);
  assert.equal(scripted.bits(body, 1), UP);
});

test("a thumb on the left half shows the joystick under it and moves its knob; lifting hides it", () => {
  const canvas = new EventTarget();
  const knob = { style: { transform: "x" } };
  const element = { hidden: true, style: {}, querySelector: (selector) => (selector === ".knob" ? knob : null) };
  const joystick = new Joystick();
  attachJoystick({ joystick, canvas, element, view: { innerWidth: 400 } });
  // A mouse is no thumb; nor is a touch on the right half.
  canvas.dispatchEvent(event("pointerdown", { pointerType: "mouse", pointerId: 1, clientX: 50, clientY: 50 }));
  canvas.dispatchEvent(event("pointerdown", { pointerType: "touch", pointerId: 2, clientX: 300, clientY: 50 }));
  assert.equal(element.hidden, true);
  canvas.dispatchEvent(event("pointerdown", { pointerType: "touch", pointerId: 3, clientX: 80, clientY: 600 }));
  assert.equal(element.hidden, false);
  assert.deepEqual([element.style.left, element.style.top, knob.style.transform], ["80px", "600px", ""]);
  canvas.dispatchEvent(event("pointermove", { pointerType: "touch", pointerId: 3, clientX: 80 + 2 * RADIUS, clientY: 600 }));
  assert.equal(knob.style.transform, `translate(${RADIUS}px, 0px)`, "the knob stays within its ring");
  assert.equal(joystick.bits(), RIGHT | RUN);
  canvas.dispatchEvent(event("pointerup", { pointerType: "touch", pointerId: 3 }));
  assert.equal(element.hidden, true);
  assert.equal(joystick.active, false);
});

test("focus in a text field gives the keys to it; leaving it gives them back", () => {
  const page = new EventTarget();
  page.activeElement = { tagName: "BODY" };
  const calls = [];
  const keyboard = {
    disableGlobalCapture: () => calls.push("off"),
    enableGlobalCapture: () => calls.push("on"),
    resetKeys: () => calls.push("reset"),
  };
  attachTyping({ keyboard, page });
  assert.deepEqual(calls, []);
  const input = { tagName: "INPUT" };
  const focusIn = event("focusin");
  Object.defineProperty(focusIn, "target", { value: input });
  page.dispatchEvent(focusIn);
  assert.deepEqual(calls, ["off", "reset"]);
  // From one field to another: still the field's.
  page.dispatchEvent(event("focusout", { relatedTarget: { tagName: "TEXTAREA" } }));
  assert.deepEqual(calls, ["off", "reset"]);
  page.dispatchEvent(event("focusout", { relatedTarget: null }));
  assert.deepEqual(calls, ["off", "reset", "on"]);

  // A page opened with a field already focused.
  const busy = new EventTarget();
  busy.activeElement = { tagName: "INPUT" };
  const again = [];
  attachTyping({ keyboard: { disableGlobalCapture: () => again.push("off") }, page: busy });
  assert.deepEqual(again, ["off"]);
});

test("Space, Enter and E act, outside text fields and without modifiers; so does the button", () => {
  const view = new EventTarget();
  const button = new EventTarget();
  let acts = 0;
  attachActions({ view, button, act: () => acts++ });
  const key = (code, fields = {}, target = { tagName: "BODY" }) => {
    const pressed = event("keydown", { code, repeat: false, ctrlKey: false, metaKey: false, altKey: false, ...fields });
    Object.defineProperty(pressed, "target", { value: target });
    view.dispatchEvent(pressed);
    return pressed;
  };
  assert.equal(key("KeyE").defaultPrevented, true);
  key("Space");
  key("Enter");
  key("KeyE", { repeat: true });
  key("KeyE", { ctrlKey: true });
  key("KeyQ");
  key("Space", {}, { tagName: "INPUT" });
  assert.equal(acts, 3);
  button.dispatchEvent(event("click"));
  assert.equal(acts, 4);
  const down = event("pointerdown");
  let stopped = false;
  down.stopPropagation = () => { stopped = true; };
  button.dispatchEvent(down);
  assert.equal(stopped, true, "the button does not start a joystick under it");
});
