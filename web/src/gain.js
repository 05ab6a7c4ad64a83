// How loud a partner is heard, from how far away they are drawn: the gain
// rule of docs/protocol.md ("Talking"), which the server's
// ark/world/proximity.py states too and tests/vectors/proximity.json holds
// every port to.

// The rules before a welcome says otherwise (the server's defaults), px.
export const DEFAULT_TALK_RULES = { connect: 160, leave: 224, full: 64, silence: 224, peers: 4 };

// 1 within `full` px, 0 at `silence` px and beyond, and a smoothstep in
// between, so walking across either edge never makes the volume jump.
export function proximityGain(distance, { full, silence }) {
  const t = (silence - distance) / (silence - full);
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}

// Between two points in px.
export function distanceBetween(a, b) {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

// Web Audio's time constant for moving a gain to a new value: a change
// takes about three times this to settle, short enough to follow walking
// and long enough that no step is ever heard as a click.
export const GAIN_SMOOTHING_SECONDS = 0.05;

// Gains closer than this are the same to the ear: not worth another ramp
// at every frame.
export const GAIN_EPSILON = 0.002;

// Whether the gain being heard (null: none set yet) should move to next.
export function gainChanged(current, next) {
  if (current === null) return true;
  // The ends are exact: silence must be silent, full must be full.
  if ((next === 0 || next === 1) && current !== next) return true;
  return Math.abs(current - next) >= GAIN_EPSILON;
}
