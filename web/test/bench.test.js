import assert from "node:assert/strict";
import { test } from "node:test";

import { Autopilot } from "../src/bench.js";
import { IDLE, Obstacles, UNITS_PER_PIXEL, step } from "../src/movement.js";

// An L-shaped corridor one tile wide: along row 1, then down column 4.
const ROWS = [
  "######",
  "#....#",
  "####.#",
  "####.#",
  "######",
];
const obstacles = new Obstacles((c, r) => ROWS[r]?.[c] !== ".", 32, 32);
const centre = (c, r) => [(c + 0.5) * 32 * UNITS_PER_PIXEL, (r + 0.5) * 32 * UNITS_PER_PIXEL];

test("the autopilot threads a one-tile corridor and stops at its end", () => {
  const [x, y] = centre(1, 1);
  let body = { x, y, facing: 0, state: IDLE };
  const pilot = new Autopilot([centre(1, 1), centre(4, 1), centre(4, 3)]);
  let ticks = 0;
  while (!pilot.arrived && ticks < 1000) {
    body = step(body, pilot.bits(body.x, body.y), obstacles);
    ticks++;
  }
  assert.ok(pilot.arrived);
  assert.deepEqual([body.x, body.y], centre(4, 3));
  // Three tiles right and two down at 160 units a tick: not a tick wasted.
  assert.equal(ticks, (5 * 32 * UNITS_PER_PIXEL) / 160 + 1);
  assert.equal(pilot.bits(body.x, body.y), 0);
});
