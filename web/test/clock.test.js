// The server clock estimate and drawing others between exact ticks.
import { test } from "node:test";
import assert from "node:assert/strict";

import { INTERPOLATION_TICKS, ServerClock, TICK_MS, positionAt } from "../src/clock.js";
import { Obstacles, RIGHT } from "../src/movement.js";
import { Entity } from "../src/world.js";

// A seeded jitter, so the timeline is the same every run.
function jitter(seed) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

test("drawn time moves steadily, about 100 ms behind the server, through jitter", () => {
  const clock = new ServerClock();
  const random = jitter(7);
  const serverStart = 50000; // the server's clock, in ms, at our time 0
  let previous = null;
  let arrival = 0;
  for (let frame = 0; frame < 60 * 20; frame++) {
    const now = frame * TICK_MS;
    // A patch every third tick, delayed 40 ms plus up to 60 ms of jitter.
    if (frame % 3 === 0) {
      const tick = Math.floor((serverStart + now) / TICK_MS) - 1;
      arrival = now + 40 + random() * 60;
      clock.observe(tick, arrival);
    }
    const drawn = clock.renderTick(now);
    if (previous !== null) {
      const advance = drawn - previous;
      assert.ok(advance > 0.85 && advance < 1.15, `frame ${frame}: advanced ${advance} ticks`);
    }
    previous = drawn;
    if (frame > 60) {
      const serverTick = (serverStart + now) / TICK_MS;
      const behind = serverTick - drawn;
      assert.ok(behind > INTERPOLATION_TICKS && behind < INTERPOLATION_TICKS + 7, `behind ${behind}`);
    }
  }
});

test("a jump in the offset (a tab woken from the background) is taken at once", () => {
  const clock = new ServerClock();
  clock.observe(1000, 0);
  clock.observe(5000, 10);
  const tick = clock.tickAt(10);
  assert.ok(Math.abs(tick - 5000) < 1, tick);
});

test("others are drawn between their exact positions at the ticks either side", () => {
  const obstacles = new Obstacles((c, r) => c < 0 || r < 0 || c >= 20 || r >= 20, 32, 32);
  const entity = new Entity([1, "a", "fox", true, 100, 9600, 9600, RIGHT, 2]);
  const drawn = positionAt(entity, 102.25, obstacles);
  assert.equal(drawn.x, 9600 + 2 * 160 + 0.25 * 160);
  assert.equal(drawn.y, 9600);
  const early = positionAt(entity, 90.5, obstacles);
  assert.equal(early.x, 9600);
});
