// The way an agent showed the player (docs/protocol.md, "Conversations
// with agents": an answer's `guide`, {place, map, path}): a dotted line
// along the path's waypoints with a marker at its end, drawn on the map
// above the floor and below the avatars, while it is the map the player
// is on. It goes when the player comes within GUIDE_REACHED_PX of its
// end, after GUIDE_MS, when another guide comes, or with the map.
//
// What this needs of a Phaser scene (add.graphics) is passed in, so the
// tests run it with a fake.

import { AVATAR_DEPTH } from "./maplayers.js";

export const GUIDE_REACHED_PX = 48;
export const GUIDE_MS = 90_000;
// The dots' spacing and radius, and the marker's radius (px).
export const DOT_SPACING_PX = 8;
const DOT_RADIUS = 1.5;
const MARKER_RADIUS = 6;
// Over every layer under the avatars (maplayers.js numbers those from 0),
// under the avatars.
export const GUIDE_DEPTH = AVATAR_DEPTH - 0.5;
const COLOR = 0xffd98a;
const OUTLINE = 0x1d2330;
// A path longer than this many waypoints is not one a server sends.
const MAX_POINTS = 10_000;

// A `guide` as the server sends it: { place, map, path: [[x, y], ...] }
// with at least one waypoint, or null when anything is missing or of the
// wrong kind.
export function parseGuide(guide) {
  if (guide === null || typeof guide !== "object") return null;
  const { place, map, path } = guide;
  if (typeof place !== "string" || typeof map !== "string" || !Array.isArray(path)) return null;
  if (path.length === 0 || path.length > MAX_POINTS) return null;
  const points = [];
  for (const point of path) {
    if (!Array.isArray(point) || point.length < 2 || !Number.isFinite(point[0]) || !Number.isFinite(point[1])) {
      return null;
    }
    points.push([point[0], point[1]]);
  }
  return { place, map, path: points };
}

// The dots of a dotted line through the points, every `spacing` px along
// it (the spacing carries on round the corners), from the first point on.
export function dotsAlong(path, spacing = DOT_SPACING_PX) {
  if (path.length === 0) return [];
  const dots = [[path[0][0], path[0][1]]];
  // How far along the current segment the next dot is.
  let next = spacing;
  for (let i = 1; i < path.length; i++) {
    const [x0, y0] = path[i - 1];
    const [x1, y1] = path[i];
    const length = Math.hypot(x1 - x0, y1 - y0);
    while (next <= length) {
      const share = next / length;
      dots.push([x0 + (x1 - x0) * share, y0 + (y1 - y0) * share]);
      next += spacing;
    }
    next -= length;
  }
  return dots;
}

export class GuidePath {
  // scene: { add } of a Phaser scene.
  constructor({ scene }) {
    this.scene = scene;
    // The guide shown: { place, map, path }, when it came (ms), and its
    // drawing; or null.
    this.guide = null;
    this.shownAt = 0;
    this.drawing = null;
  }

  // A guide, with the map the player is on now and the local time (ms):
  // drawn when it is for that map. Any guide before it goes.
  show(guide, map, now) {
    const parsed = parseGuide(guide);
    if (parsed === null) return false;
    this.clear();
    if (parsed.map !== map) return false;
    this.guide = parsed;
    this.shownAt = now;
    this.drawing = this.draw(parsed.path);
    return true;
  }

  draw(path) {
    const graphics = this.scene.add.graphics();
    graphics.setDepth(GUIDE_DEPTH);
    for (const [x, y] of dotsAlong(path)) {
      graphics.fillStyle(OUTLINE, 0.5);
      graphics.fillCircle(x, y, DOT_RADIUS + 1);
      graphics.fillStyle(COLOR, 1);
      graphics.fillCircle(x, y, DOT_RADIUS);
    }
    const [x, y] = path[path.length - 1];
    graphics.lineStyle(3, OUTLINE, 0.6);
    graphics.strokeCircle(x, y, MARKER_RADIUS);
    graphics.lineStyle(2, COLOR, 1);
    graphics.strokeCircle(x, y, MARKER_RADIUS);
    graphics.fillStyle(COLOR, 1);
    graphics.fillCircle(x, y, MARKER_RADIUS / 2);
    return graphics;
  }

  // Each frame, with where the player's avatar is (px) and the local
  // time (ms): the guide goes once its end is reached or its time is up.
  update(x, y, now) {
    if (this.guide === null) return;
    const [endX, endY] = this.guide.path[this.guide.path.length - 1];
    if (Math.hypot(endX - x, endY - y) <= GUIDE_REACHED_PX || now - this.shownAt >= GUIDE_MS) this.clear();
  }

  // The player is on this map now: a guide for another one goes.
  mapEntered(map) {
    if (this.guide !== null && this.guide.map !== map) this.clear();
  }

  clear() {
    this.drawing?.destroy();
    this.drawing = null;
    this.guide = null;
  }

  // For the test hook: { place, path } of the guide shown, or null.
  snapshot() {
    if (this.guide === null) return null;
    return { place: this.guide.place, path: this.guide.path.map(([x, y]) => [x, y]) };
  }
}
