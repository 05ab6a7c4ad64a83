// The virtual joystick's mapping from thumb to input bits.
import { test } from "node:test";
import assert from "node:assert/strict";

import { DEAD_ZONE, Joystick, RADIUS, bitsFor, knobOffset } from "../src/joystick.js";
import { DOWN, LEFT, RIGHT, RUN, UP } from "../src/movement.js";

test("a thumb resting inside the dead zone moves nothing", () => {
  assert.equal(bitsFor(DEAD_ZONE * RADIUS * 0.9, 0), 0);
  assert.equal(bitsFor(0, 0), 0);
});

test("the eight directions, walking and running", () => {
  const half = RADIUS * 0.5;
  const cases = [
    [[half, 0], RIGHT], [[half, -half], RIGHT | UP], [[0, -half], UP], [[-half, -half], UP | LEFT],
    [[-half, 0], LEFT], [[-half, half], LEFT | DOWN], [[0, half], DOWN], [[half, half], DOWN | RIGHT],
  ];
  for (const [[dx, dy], bits] of cases) {
    assert.equal(bitsFor(dx, dy), bits, `${dx}, ${dy}`);
    assert.equal(bitsFor(dx * 2, dy * 2), bits | RUN, `${dx * 2}, ${dy * 2} runs`);
  }
});

test("a slight angle off a straight line stays straight", () => {
  assert.equal(bitsFor(40, 10), RIGHT);
  assert.equal(bitsFor(-10, -40), UP);
});

test("the knob stays within its ring", () => {
  const [x, y] = knobOffset(RADIUS * 3, 0);
  assert.deepEqual([x, y], [RADIUS, 0]);
  assert.deepEqual(knobOffset(10, -5), [10, -5]);
});

test("only the first touch on the left half steers", () => {
  const stick = new Joystick();
  assert.equal(stick.down(7, 800, 300, 1000), false);
  assert.equal(stick.down(1, 100, 300, 1000), true);
  assert.equal(stick.down(2, 150, 300, 1000), false);
  stick.move(2, 400, 300);
  stick.move(1, 100 + RADIUS * 0.5, 300);
  assert.equal(stick.bits(), RIGHT);
  stick.up(1);
  assert.equal(stick.bits(), 0);
  assert.equal(stick.active, false);
});
