import assert from "node:assert/strict";
import { test } from "node:test";

import { Autopilot, BenchRun, FrameStats, scriptedBits } from "../src/bench.js";
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

test("the benchmark run walks its script, then reports once every step is acknowledged", () => {
  const stats = new FrameStats();
  const run = new BenchRun({ seconds: 2, latencyMs: 150, stats });
  stats.frameStarted(0);
  stats.updated(0.5);
  stats.frameEnded(2);
  stats.frameStarted(16);
  stats.updated(1.5);
  stats.frameEnded(19);
  assert.equal(run.bits(1000), scriptedBits(0), "the walk starts at the first step");
  assert.equal(run.bits(2400), scriptedBits(1400));
  const predictor = { pending: [[5, 2]], corrections: 1, ackSeq: 4 };
  run.check(predictor, 12, "cafe.tmj");
  assert.equal(run.result, null, "still walking");
  assert.equal(run.bits(3000), 0);
  run.check(predictor, 12, "cafe.tmj");
  assert.equal(run.result, null, "a step still unacknowledged");
  predictor.pending = [];
  predictor.ackSeq = 119;
  run.check(predictor, 12, "cafe.tmj");
  assert.deepEqual(run.result, {
    frames: 1,
    interval_ms: { p50: 16, p95: 16 },
    frame_work_ms: { p50: 3, p95: 3, max: 3 },
    update_ms: { p50: 1.5, p95: 1.5, max: 1.5 },
    map: "cafe.tmj", remote_avatars: 12, corrections: 1, steps_acknowledged: 120, latency_ms: 150,
  });
  const first = run.result;
  run.check({ pending: [], corrections: 9, ackSeq: 200 }, 3, "town.tmj");
  assert.equal(run.result, first, "reported once");
});

test("the scripted walk comes back to where it started, walls aside", () => {
  const open = new Obstacles(() => false, 32, 32);
  let body = { x: 0, y: 0, facing: 0, state: IDLE };
  // One round of the script: sixteen turns of 700 ms, 42 steps each.
  for (let tick = 0; tick < 16 * 42; tick++) body = step(body, scriptedBits((tick + 0.5) * (1000 / 60)), open);
  assert.deepEqual([body.x, body.y], [0, 0]);
  assert.notEqual(scriptedBits(0), scriptedBits(700));
});
