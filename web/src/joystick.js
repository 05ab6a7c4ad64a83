// The floating virtual joystick of touch screens, as pure logic: where the
// thumb went down and where it is now, turned into the same input bits as
// the keyboard gives, so the movement rule (and the server) see no
// difference between the two.

import { DOWN, LEFT, RIGHT, RUN, UP } from "./movement.js";

// Knob travel, in CSS pixels, that counts as a full push.
export const RADIUS = 56;
// Pushes under this share of the radius do nothing (a resting thumb).
export const DEAD_ZONE = 0.15;
// Pushed this far or more, the avatar runs.
export const RUN_SHARE = 0.9;

// The eight headings, counter-clockwise from east, as the screen's y grows
// downwards.
const SECTORS = [RIGHT, RIGHT | UP, UP, UP | LEFT, LEFT, LEFT | DOWN, DOWN, DOWN | RIGHT];

// Input bits for a thumb moved (dx, dy) CSS pixels from where it touched.
export function bitsFor(dx, dy) {
  const distance = Math.hypot(dx, dy);
  if (distance < DEAD_ZONE * RADIUS) return 0;
  // Screen y grows downwards; angles are measured with y up.
  const angle = Math.atan2(-dy, dx);
  const sector = (Math.round(angle / (Math.PI / 4)) + 8) % 8;
  const bits = SECTORS[sector];
  return distance >= RUN_SHARE * RADIUS ? bits | RUN : bits;
}

// Where to draw the knob: the thumb's offset, held within the radius.
export function knobOffset(dx, dy) {
  const distance = Math.hypot(dx, dy);
  if (distance <= RADIUS) return [dx, dy];
  return [(dx / distance) * RADIUS, (dy / distance) * RADIUS];
}

// Tracks the one touch that steers: the first to land on the left half.
export class Joystick {
  constructor() {
    this.pointerId = null;
  }

  down(pointerId, x, y, screenWidth) {
    if (this.pointerId !== null || x > screenWidth / 2) return false;
    this.pointerId = pointerId;
    this.originX = x;
    this.originY = y;
    this.x = x;
    this.y = y;
    return true;
  }

  move(pointerId, x, y) {
    if (pointerId !== this.pointerId) return;
    this.x = x;
    this.y = y;
  }

  up(pointerId) {
    if (pointerId === this.pointerId) this.pointerId = null;
  }

  get active() {
    return this.pointerId !== null;
  }

  bits() {
    return this.active ? bitsFor(this.x - this.originX, this.y - this.originY) : 0;
  }
}
