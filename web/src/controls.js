// Where the player's input comes from, turned into the input bits of a
// 60 Hz step (movement.js): the keyboard (arrows or W A S D, Shift to
// run), the floating joystick of touch screens, an autopilot walking
// through waypoints (the end-to-end tests' steering), or the benchmark's
// scripted walk; and the interact key and action button, which `act`.
//
// The DOM and Phaser pieces (the keys' state, the canvas, the page's
// elements) are passed in, so the tests drive it with fakes.

import { Autopilot } from "./bench.js";
import { knobOffset } from "./joystick.js";
import { DOWN, LEFT, RIGHT, RUN, UP } from "./movement.js";
import { isTextField } from "./typing.js";
import { isInteractKey } from "./zones.js";

// The keys that walk, as Phaser's addKeys names them.
export const MOVEMENT_KEYS = "W,A,S,D,UP,DOWN,LEFT,RIGHT,SHIFT";

// Input bits for the keys held: keys maps MOVEMENT_KEYS' names to
// objects with isDown.
export function keyboardBits(keys) {
  let bits = 0;
  if (keys.LEFT.isDown || keys.A.isDown) bits |= LEFT;
  if (keys.RIGHT.isDown || keys.D.isDown) bits |= RIGHT;
  if (keys.UP.isDown || keys.W.isDown) bits |= UP;
  if (keys.DOWN.isDown || keys.S.isDown) bits |= DOWN;
  if (bits && keys.SHIFT.isDown) bits |= RUN;
  return bits;
}

export class Controls {
  // keys: as keyboardBits takes them; joystick: joystick.js's Joystick;
  // typing(): whether the player is typing in a text field (the keys are
  //   the field's then); script: null, or the benchmark's walk ({bits(now)}),
  //   which overrides everything.
  constructor({ keys, joystick, typing, script = null }) {
    this.keys = keys;
    this.joystick = joystick;
    this.typing = typing;
    this.script = script;
    this.autopilot = null;
  }

  // Walk through these points (units), one axis at a time, instead of
  // listening to the player until there.
  steer(waypoints) {
    this.autopilot = new Autopilot(waypoints);
  }

  get steering() {
    return this.autopilot !== null;
  }

  // The waypoints belong to a map left behind.
  stopSteering() {
    this.autopilot = null;
  }

  // The input bits of the next step, for the player's avatar standing at
  // body ({x, y}) at local time now (ms).
  bits(body, now) {
    if (this.script !== null) return this.script.bits(now);
    if (this.autopilot !== null) {
      const bits = this.autopilot.bits(body.x, body.y);
      if (this.autopilot.arrived) this.autopilot = null;
      return bits;
    }
    if (this.joystick.active) return this.joystick.bits();
    if (this.typing()) return 0;
    return keyboardBits(this.keys);
  }
}

// The floating joystick: wherever a thumb (or pen) lands on the left half
// of the canvas, drawn in the page (element, with its .knob) rather than
// in the zoomed game so that it sits under the thumb. view: the window
// (its innerWidth).
export function attachJoystick({ joystick, canvas, element, view }) {
  const knob = element.querySelector(".knob");
  const isTouch = (event) => event.pointerType === "touch" || event.pointerType === "pen";
  canvas.addEventListener("pointerdown", (event) => {
    if (!isTouch(event)) return;
    if (joystick.down(event.pointerId, event.clientX, event.clientY, view.innerWidth)) {
      element.style.left = `${event.clientX}px`;
      element.style.top = `${event.clientY}px`;
      knob.style.transform = "";
      element.hidden = false;
    }
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!isTouch(event)) return;
    joystick.move(event.pointerId, event.clientX, event.clientY);
    if (joystick.active) {
      const [x, y] = knobOffset(joystick.x - joystick.originX, joystick.y - joystick.originY);
      knob.style.transform = `translate(${x}px, ${y}px)`;
    }
  });
  const release = (event) => {
    joystick.up(event.pointerId);
    if (!joystick.active) element.hidden = true;
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);
}

// While the player types in a text field (the chat), the keys are the
// field's: Phaser must not cancel them (it calls preventDefault at the
// window for keys it captures, W A S D and the arrows among them), and
// keys held when the typing began must not stay down. keyboard: Phaser's
// keyboard plugin; page: the document.
export function attachTyping({ keyboard, page }) {
  page.addEventListener("focusin", (event) => {
    if (!isTextField(event.target)) return;
    keyboard.disableGlobalCapture();
    keyboard.resetKeys();
  });
  page.addEventListener("focusout", (event) => {
    if (!isTextField(event.relatedTarget)) keyboard.enableGlobalCapture();
  });
  if (isTextField(page.activeElement)) keyboard.disableGlobalCapture();
}

// The interact keys (Space, Enter, E; zones.js's isInteractKey) anywhere
// in the page but a text field, and the action button, call act().
// view: the window; button: the action button.
export function attachActions({ view, button, act }) {
  view.addEventListener("keydown", (event) => {
    if (!isInteractKey(event)) return;
    event.preventDefault();
    act();
  });
  button.addEventListener("click", () => act());
  // The button must not start a joystick or zoom the page under it.
  button.addEventListener("pointerdown", (event) => event.stopPropagation());
}
