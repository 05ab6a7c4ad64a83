// The server's tick as seen from the browser, and where to draw others.
//
// Each patch says which tick it completes; it left the server right after
// that tick and reached us a network delay later. The least-delayed recent
// patches tell the offset between our clock and the server's; others are
// drawn INTERPOLATION_TICKS behind it, where their motions are all known,
// so they move smoothly between exact per-tick positions.

export const TICK_MS = 1000 / 60;
export const INTERPOLATION_TICKS = 6; // 100 ms
// Patches remembered for the offset: two seconds at 20 Hz.
export const OFFSET_WINDOW = 40;
// The drawn time may drift towards a new offset by this share of a frame.
export const SLEW = 0.1;
// Beyond this, the offset is simply taken (a tab woken from the background).
export const SNAP_MS = 250;

export class ServerClock {
  constructor() {
    this.samples = [];
    this.offset = null;
    this.target = null;
  }

  // A patch completing `tick` arrived at local time `now` (ms).
  observe(tick, now) {
    this.samples.push(tick * TICK_MS - now);
    if (this.samples.length > OFFSET_WINDOW) this.samples.shift();
    // The largest offset is the patch that waited least in the network.
    this.target = Math.max(...this.samples);
    if (this.offset === null || Math.abs(this.target - this.offset) > SNAP_MS) {
      this.offset = this.target;
    }
  }

  // The server tick (fractional) at local time `now`, adjusting the offset
  // gently towards the latest estimate. Call once per frame.
  tickAt(now, frameMs = TICK_MS) {
    if (this.offset === null) return null;
    const gap = this.target - this.offset;
    const limit = frameMs * SLEW;
    this.offset += Math.max(-limit, Math.min(limit, gap));
    return (now + this.offset) / TICK_MS;
  }

  // The tick to draw other avatars at.
  renderTick(now, frameMs = TICK_MS) {
    const tick = this.tickAt(now, frameMs);
    return tick === null ? null : tick - INTERPOLATION_TICKS;
  }
}

// Where to draw entity (see world.js) at a fractional tick, in units:
// between its exact positions at the ticks either side.
export function positionAt(entity, tick, obstacles) {
  const before = Math.floor(tick);
  if (before < entity.since) {
    const body = entity.anchor;
    return { x: body.x, y: body.y, facing: body.facing, state: body.state };
  }
  const a = entity.bodyAt(before, obstacles);
  const b = entity.bodyAt(before + 1, obstacles);
  const share = tick - before;
  return {
    x: a.x + (b.x - a.x) * share,
    y: a.y + (b.y - a.y) * share,
    facing: b.facing,
    state: b.state,
  };
}
