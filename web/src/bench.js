// Instruments for the benchmark page (/?bench=1) and the end-to-end tests:
// an emulated network delay around the WebSocket, a scripted walk and an
// autopilot instead of the keyboard (controls.js takes them), and frame
// timings.
// benchmarks/client_bench.mjs drives the page in headless Chromium.

import { DOWN, LEFT, RIGHT, RUN, UP, WALK_SPEED } from "./movement.js";

export function benchOptions(search) {
  const params = new URLSearchParams(search);
  if (!params.has("bench")) return null;
  return {
    latencyMs: Number(params.get("latency") ?? 150),
    seconds: Number(params.get("seconds") ?? 60),
  };
}

// A WebSocket whose every message, both ways, waits half the round trip.
export function delayedWebSocket(latencyMs) {
  const half = latencyMs / 2;
  return class DelayedWebSocket {
    constructor(url) {
      const socket = new WebSocket(url);
      this.socket = socket;
      socket.binaryType = "arraybuffer";
      socket.onopen = (event) => setTimeout(() => this.onopen?.(event), half);
      socket.onmessage = (event) => setTimeout(() => this.onmessage?.(event), half);
      socket.onclose = (event) => setTimeout(() => this.onclose?.(event), half);
    }

    set binaryType(value) {
      this.socket.binaryType = value;
    }

    send(data) {
      setTimeout(() => {
        if (this.socket.readyState === WebSocket.OPEN) this.socket.send(data);
      }, half);
    }

    close(code) {
      this.socket.close(code);
    }
  };
}

// The scripted walk: turns every 700 ms, runs some of the time, stops now
// and then, as a player exploring a room would; then the same turns
// mirrored, so that the walk comes back round instead of drifting off
// (through the café's door, out of the bots' room).
const OUTWARD = [RIGHT, RIGHT | DOWN, DOWN | RUN, LEFT, 0, UP | LEFT | RUN, LEFT | DOWN, UP];
const mirrored = (bits) => ((bits & LEFT) ? RIGHT : 0) | ((bits & RIGHT) ? LEFT : 0) |
  ((bits & UP) ? DOWN : 0) | ((bits & DOWN) ? UP : 0) | (bits & RUN);
const PATTERN = [...OUTWARD, ...OUTWARD.map(mirrored)];
export function scriptedBits(elapsedMs) {
  return PATTERN[Math.floor(elapsedMs / 700) % PATTERN.length];
}

// The benchmark page's run: the scripted walk for `seconds`, then, once
// every step is acknowledged, the result (frame timings, the avatars
// drawn, the corrections the walk needed) that client_bench.mjs reads
// through the test hook (testhook.js, benchResult()).
export class BenchRun {
  constructor({ seconds, latencyMs, stats = new FrameStats() }) {
    this.seconds = seconds;
    this.latencyMs = latencyMs;
    this.stats = stats;
    this.startedAt = null;
    this.over = false;
    this.result = null;
  }

  // The walk's input bits at local time now (ms); idle once it is over.
  bits(now) {
    if (this.startedAt === null) this.startedAt = now;
    const elapsed = now - this.startedAt;
    if (elapsed < this.seconds * 1000) return scriptedBits(elapsed);
    this.over = true;
    return 0;
  }

  // After a frame's steps: the result, once the walk is over and the
  // server has acknowledged it all (predictor: prediction.js's; map: the
  // map the walk ended on, as it may go through a door).
  check(predictor, remoteAvatars, map) {
    if (!this.over || this.result !== null || predictor.pending.length > 0) return;
    this.result = {
      ...this.stats.summary(),
      map,
      remote_avatars: remoteAvatars,
      corrections: predictor.corrections,
      steps_acknowledged: predictor.ackSeq + 1,
      latency_ms: this.latencyMs,
    };
  }
}

// Frame timings: the interval between frames, the work done in each (the
// scene's update and Phaser's render), and the scene's update alone (the
// client's own work: steps, prediction, every avatar placed).
export class FrameStats {
  constructor() {
    this.intervals = [];
    this.work = [];
    this.updates = [];
    this.last = null;
  }

  updated(ms) {
    this.updates.push(ms);
  }

  frameStarted(now) {
    if (this.last !== null) this.intervals.push(now - this.last);
    this.last = now;
    this.started = now;
  }

  frameEnded(now) {
    if (this.started !== undefined) this.work.push(now - this.started);
  }

  static percentile(values, p) {
    if (!values.length) return null;
    const sorted = [...values].sort((a, b) => a - b);
    return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] * 100) / 100;
  }

  summary() {
    const spread = (values) => ({
      p50: FrameStats.percentile(values, 0.5), p95: FrameStats.percentile(values, 0.95),
      max: FrameStats.percentile(values, 1),
    });
    return {
      frames: this.intervals.length,
      interval_ms: { p50: FrameStats.percentile(this.intervals, 0.5), p95: FrameStats.percentile(this.intervals, 0.95) },
      frame_work_ms: spread(this.work),
      update_ms: spread(this.updates),
    };
  }
}

// Walks through waypoints (units) one axis at a time, exactly as a player
// holding arrow keys would, but letting go on the right tick: the end-to-end
// tests steer with it where a path must thread doorways, since headless
// Chromium's slow frames make key releases land several ticks late.
export class Autopilot {
  constructor(waypoints) {
    this.waypoints = waypoints.slice();
  }

  get arrived() {
    return this.waypoints.length === 0;
  }

  // The input bits of the next step for a body at (x, y).
  bits(x, y) {
    while (this.waypoints.length) {
      const [tx, ty] = this.waypoints[0];
      const dx = tx - x;
      const dy = ty - y;
      // Within half a step: this is as close as walking gets.
      if (Math.abs(dx) * 2 > WALK_SPEED) return dx < 0 ? LEFT : RIGHT;
      if (Math.abs(dy) * 2 > WALK_SPEED) return dy < 0 ? UP : DOWN;
      this.waypoints.shift();
    }
    return 0;
  }
}
