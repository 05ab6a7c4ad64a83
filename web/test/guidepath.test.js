// The way an agent showed: checked, dotted along its waypoints with a
// marker at its end, under the avatars, and gone when reached, after its
// time, for another guide or another map.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  DOT_SPACING_PX, GUIDE_DEPTH, GUIDE_MS, GUIDE_REACHED_PX, GuidePath, dotsAlong, parseGuide,
} from "../src/guidepath.js";
import { AVATAR_DEPTH } from "../src/maplayers.js";

class FakeGraphics {
  constructor() {
    this.calls = [];
    this.destroyed = false;
  }
  setDepth(depth) { this.depth = depth; return this; }
  fillStyle(...args) { this.calls.push(["fillStyle", ...args]); return this; }
  lineStyle(...args) { this.calls.push(["lineStyle", ...args]); return this; }
  fillCircle(...args) { this.calls.push(["fillCircle", ...args]); return this; }
  strokeCircle(...args) { this.calls.push(["strokeCircle", ...args]); return this; }
  destroy() { this.destroyed = true; }
}

function setup() {
  const made = [];
  const scene = { add: { graphics: () => { const g = new FakeGraphics(); made.push(g); return g; } } };
  return { guide: new GuidePath({ scene }), made };
}

const CAFE = { place: "the cafe", map: "town.tmj", path: [[100, 100], [100, 140], [180, 140]] };

test("a guide is read only when whole: a place, a map and waypoints of two numbers", () => {
  assert.deepEqual(parseGuide(CAFE), CAFE);
  assert.deepEqual(parseGuide({ ...CAFE, path: [[1, 2, 3]] }).path, [[1, 2]]);
  for (const broken of [null, "x", { ...CAFE, place: 1 }, { ...CAFE, map: null }, { ...CAFE, path: [] },
    { ...CAFE, path: [[1]] }, { ...CAFE, path: [[1, "2"]] }, { ...CAFE, path: [[1, Infinity]] }, { ...CAFE, path: "1,2" }]) {
    assert.equal(parseGuide(broken), null, JSON.stringify(broken));
  }
});

test("the dots keep their spacing along the path, round its corners", () => {
  assert.deepEqual(dotsAlong([[0, 0], [0, 20], [12, 20]], 8), [[0, 0], [0, 8], [0, 16], [4, 20], [12, 20]]);
  assert.deepEqual(dotsAlong([[5, 5]]), [[5, 5]]);
  assert.deepEqual(dotsAlong([]), []);
  assert.equal(dotsAlong([[0, 0], [80, 0]]).length, 80 / DOT_SPACING_PX + 1);
});

test("a guide for this map is drawn above the floor and under the avatars, with a marker at its end", () => {
  const { guide, made } = setup();
  assert.equal(guide.show(CAFE, "town.tmj", 0), true);
  const [drawn] = made;
  assert.equal(drawn.depth, GUIDE_DEPTH);
  assert.ok(GUIDE_DEPTH < AVATAR_DEPTH && GUIDE_DEPTH > AVATAR_DEPTH - 1);
  const circles = drawn.calls.filter(([name]) => name === "fillCircle");
  assert.ok(circles.length >= 2 * (120 / DOT_SPACING_PX), "dotted");
  assert.deepEqual(drawn.calls.filter(([name]) => name === "strokeCircle").map(([, x, y]) => [x, y]),
    [[180, 140], [180, 140]], "the marker at the end");
  assert.deepEqual(guide.snapshot(), { place: "the cafe", path: CAFE.path });
});

test("a guide for another map is not drawn, and takes the last one away", () => {
  const { guide, made } = setup();
  guide.show(CAFE, "town.tmj", 0);
  assert.equal(guide.show({ ...CAFE, map: "cafe.tmj" }, "town.tmj", 0), false);
  assert.equal(made[0].destroyed, true);
  assert.equal(made.length, 1);
  assert.equal(guide.snapshot(), null);
  assert.equal(guide.show({ place: "x" }, "town.tmj", 0), false);
});

test("it goes when the player is near its end, after its time, for another guide or map", () => {
  const { guide, made } = setup();
  guide.show(CAFE, "town.tmj", 0);
  guide.update(100, 100, 1000);
  guide.update(180, 140 + GUIDE_REACHED_PX + 1, 1000);
  assert.notEqual(guide.snapshot(), null);
  guide.update(180, 140 + GUIDE_REACHED_PX, 1000);
  assert.equal(guide.snapshot(), null);
  assert.equal(made[0].destroyed, true);

  guide.show(CAFE, "town.tmj", 5000);
  guide.update(100, 100, 5000 + GUIDE_MS - 1);
  assert.notEqual(guide.snapshot(), null);
  guide.update(100, 100, 5000 + GUIDE_MS);
  assert.equal(guide.snapshot(), null);

  guide.show(CAFE, "town.tmj", 0);
  guide.show({ ...CAFE, place: "the library", path: [[1, 1]] }, "town.tmj", 0);
  assert.equal(made[2].destroyed, true, "a new guide replaces it");
  assert.equal(guide.snapshot().place, "the library");
  guide.mapEntered("town.tmj");
  assert.notEqual(guide.snapshot(), null, "the same map again (a resumption) keeps it");
  guide.mapEntered("cafe.tmj");
  assert.equal(guide.snapshot(), null);
  assert.equal(made[3].destroyed, true);
});
