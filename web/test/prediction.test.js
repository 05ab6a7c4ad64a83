// Prediction, reconciliation and input timing on scripted timelines.
import { test } from "node:test";
import assert from "node:assert/strict";

import { Obstacles, RIGHT, DOWN, LEFT, UP, RUN, step, IDLE } from "../src/movement.js";
import { Predictor, SNAP_DISTANCE } from "../src/prediction.js";
import { Batcher, InputClock, QUEUE_WINDOW, TICK_MS } from "../src/input.js";

function openObstacles(columns, rows) {
  return new Obstacles((c, r) => c < 0 || r < 0 || c >= columns || r >= rows, 32, 32);
}

// A server that consumes at most one step per tick, patches every third
// tick, and a network that delays each way by latencyMs: the whole loop of
// the protocol, with the same rule on both sides.
// The script stops walking for the last second, so everything sent is
// consumed and acknowledged by the end.
function walkWithLatency({ seconds, latencyMs, script, dropEvery = 0 }) {
  const obstacles = openObstacles(200, 200);
  const start = { x: 100 * 32 * 60, y: 100 * 32 * 60, facing: 0, state: IDLE };
  const predictor = new Predictor(obstacles, start);
  const batcher = new Batcher(0);
  const clock = new InputClock(0);
  let serverBody = start;
  let serverAck = -1;
  const serverQueue = [];
  let received = 0;
  const toServer = [];
  const toClient = [];
  let patchArrived = false;
  const frames = Math.round(seconds * 1000);
  for (let now = 0; now < frames; now++) {
    // Client: take due steps, send when the rules say.
    for (let i = clock.due(now); i > 0; i--) {
      const bits = now < (seconds - 1) * 1000 ? script(now) : 0;
      const seq = predictor.sample(bits);
      batcher.add(seq, bits);
    }
    for (const message of batcher.take(now, patchArrived)) {
      toServer.push([now + latencyMs, message]);
    }
    patchArrived = false;
    // Server: receive, tick at 60 Hz, patch every third tick.
    while (toServer.length && toServer[0][0] <= now) {
      const [, message] = toServer.shift();
      message.steps.forEach((bits, i) => {
        received++;
        if (dropEvery && received % dropEvery === 0) return;
        if (serverQueue.length < 10) serverQueue.push([message.seq + i, bits]);
      });
    }
    if (Math.floor((now + 1) / TICK_MS) > Math.floor(now / TICK_MS)) {
      const tick = Math.floor((now + 1) / TICK_MS);
      if (serverQueue.length) {
        const [seq, bits] = serverQueue.shift();
        serverBody = step(serverBody, bits, obstacles);
        serverAck = seq;
      }
      if (tick % 3 === 0) {
        toClient.push([now + latencyMs, { ack: serverAck, q: serverQueue.length, body: serverBody }]);
      }
    }
    // Client: patches.
    while (toClient.length && toClient[0][0] <= now) {
      const [, patch] = toClient.shift();
      predictor.acknowledge(patch.ack, patch.body);
      clock.queueReported(patch.q);
      if (!predictor.pending.length) batcher.settled();
      patchArrived = true;
    }
  }
  return { predictor, serverBody };
}

const zigzag = (now) => {
  const phase = Math.floor(now / 700) % 6;
  return [RIGHT, RIGHT | DOWN, DOWN | RUN, LEFT, 0, UP | LEFT | RUN][phase];
};

test("a minute's walk with 150 ms of round trip needs no correction", () => {
  const { predictor, serverBody } = walkWithLatency({ seconds: 60, latencyMs: 75, script: zigzag });
  assert.equal(predictor.corrections, 0);
  assert.ok(predictor.ackSeq > 3000);
  // Once the last steps are consumed, client and server agree.
  assert.deepEqual([predictor.body.x, predictor.body.y], [serverBody.x, serverBody.y]);
});

test("a step the server dropped is corrected, smoothly", () => {
  const { predictor, serverBody } = walkWithLatency({
    seconds: 5, latencyMs: 40, script: () => RIGHT, dropEvery: 100,
  });
  assert.ok(predictor.corrections > 0);
  assert.deepEqual([predictor.body.x, predictor.body.y], [serverBody.x, serverBody.y]);
});

test("a small correction glides, a large one snaps", () => {
  const obstacles = openObstacles(200, 200);
  const start = { x: 96000, y: 96000, facing: 0, state: IDLE };
  const small = new Predictor(obstacles, start);
  small.sample(RIGHT);
  small.acknowledge(0, { ...start, x: start.x + 100 });
  // Drawn first where the player saw it, then gliding to the server's.
  const first = small.drawnPosition()[0];
  const later = small.drawnPosition()[0];
  assert.equal(small.body.x, start.x + 100);
  assert.equal(first, start.x + 160);
  assert.ok(first > later && later > start.x + 100, [first, later]);
  for (let i = 0; i < 30; i++) small.drawnPosition();
  assert.equal(small.drawnPosition()[0], start.x + 100);

  const large = new Predictor(obstacles, start);
  large.sample(RIGHT);
  large.acknowledge(0, { ...start, x: start.x + SNAP_DISTANCE * 2 });
  assert.equal(large.drawnPosition()[0], start.x + SNAP_DISTANCE * 2);
});

test("the step clock takes sixty steps a second and gives up a steady backlog", () => {
  const clock = new InputClock(0);
  assert.equal(clock.due(1000), 60);
  for (let i = 0; i < QUEUE_WINDOW; i++) clock.queueReported(3);
  assert.equal(clock.due(1000 + 50), 1);
});

test("batches go out in answer to patches, or after 50 ms when none is awaited", () => {
  const batcher = new Batcher(0);
  batcher.add(0, RIGHT);
  batcher.add(1, RIGHT);
  assert.deepEqual(batcher.take(1, false), [{ t: "in", seq: 0, steps: [RIGHT, RIGHT] }]);
  batcher.add(2, RIGHT);
  batcher.add(4, RIGHT);
  assert.deepEqual(batcher.take(60, false), []);
  assert.deepEqual(batcher.take(61, true), [
    { t: "in", seq: 2, steps: [RIGHT] },
    { t: "in", seq: 4, steps: [RIGHT] },
  ]);
  batcher.add(5, 0);
  assert.deepEqual(batcher.take(200, true), []);
});

test("moved to another map, the steps the server had not received go on there", () => {
  const town = openObstacles(60, 40);
  // The cafe: a wall one tile to the right of where the avatar arrives.
  const cafe = new Obstacles((c, r) => c < 0 || r < 0 || c >= 24 || r >= 18 || c === 13, 32, 32);
  const predictor = new Predictor(town, { x: 10 * 32 * 60, y: 10 * 32 * 60, facing: 0, state: IDLE }, 9);
  const start = predictor.body;
  for (let i = 0; i < 6; i++) predictor.sample(RIGHT);
  predictor.sample(0);
  predictor.acknowledge(11, step(step(start, RIGHT, town), RIGHT, town));
  assert.equal(predictor.corrections, 0);
  // Steps 10 to 15 were taken; the server had received up to 13 when the
  // door took the avatar, and applies 14 and 15 in the cafe.
  const arrival = { x: 12 * 32 * 60 + 16 * 60, y: 14 * 32 * 60 + 16 * 60, facing: 2, state: IDLE };
  predictor.relocate(cafe, arrival, 13);
  assert.deepEqual(predictor.pending, [[14, RIGHT], [15, RIGHT]]);
  assert.equal(predictor.ackSeq, 13);
  let expected = arrival;
  for (let i = 0; i < 2; i++) expected = step(expected, RIGHT, cafe);
  assert.deepEqual(predictor.body, expected);
  assert.deepEqual(predictor.drawnPosition(), [expected.x, expected.y]);
  // Numbering goes on from where it was, and the cafe's walls hold.
  assert.equal(predictor.sample(RIGHT), 17);
  for (let i = 0; i < 60; i++) predictor.sample(RIGHT);
  assert.ok(predictor.body.x < 13 * 32 * 60, "stopped by the cafe's wall");
  // The server agrees: nothing to correct.
  let server = arrival;
  for (const [, bits] of predictor.pending) server = step(server, bits, cafe);
  assert.deepEqual(predictor.acknowledge(predictor.nextSeq - 1, server), [0, 0]);
  assert.equal(predictor.corrections, 0);
});
