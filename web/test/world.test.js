// The client's model of other avatars, replaying a patch stream the
// Python server sent (tests/vectors/patches.json), must land every avatar
// exactly where the server had it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Obstacles } from "../src/movement.js";
import { Entity, STILL_FLAG, World } from "../src/world.js";

const vectorsPath = fileURLToPath(new URL("../../tests/vectors/patches.json", import.meta.url));
const vectors = JSON.parse(readFileSync(vectorsPath, "utf8"));

function obstaclesFromRows(rows, tileSize) {
  const isBlocked = (column, row) =>
    row < 0 || column < 0 || row >= rows.length || column >= rows[0].length ||
    rows[row][column] === "#";
  return new Obstacles(isBlocked, tileSize, tileSize);
}

test("replaying the patches puts every avatar where the server had it", () => {
  const world = new World(obstaclesFromRows(vectors.rows, vectors.tileSize));
  world.welcome(vectors.welcome);
  let checked = 0;
  vectors.patches.forEach((patch, index) => {
    world.applyPatch(patch);
    const expected = vectors.expected[index];
    assert.deepEqual(
      [...world.entities.keys()].sort((a, b) => a - b),
      Object.keys(expected).map(Number).sort((a, b) => a - b),
      `patch ${index}: the entities known`,
    );
    for (const [id, [tick, x, y]] of Object.entries(expected)) {
      const body = world.entities.get(Number(id)).bodyAt(tick, world.obstacles);
      assert.deepEqual([body.x, body.y], [x, y], `patch ${index}, entity ${id}, tick ${tick}`);
      checked++;
    }
  });
  assert.ok(checked > 1000);
});

test("the stream exercises every kind of motion", () => {
  const motions = vectors.patches.flatMap((patch) => patch.mv ?? []);
  assert.ok(motions.some((m) => m.length === 3 && !(m[2] & STILL_FLAG)), "moved");
  assert.ok(motions.some((m) => m.length === 3 && m[2] & STILL_FLAG), "stood still");
  assert.ok(motions.some((m) => m.length === 6), "placed");
  assert.ok(vectors.patches.some((patch) => patch.add), "added");
  assert.ok(vectors.patches.some((patch) => patch.del), "deleted");
});

test("asking for an earlier tick after a later one replays from the anchor", () => {
  const obstacles = obstaclesFromRows(["......", "......"], 32);
  const entity = new Entity([1, "a", "fox", true, 10, 960, 960, 2, 2]);
  const later = entity.bodyAt(14, obstacles);
  const earlier = entity.bodyAt(12, obstacles);
  assert.deepEqual([later.x, earlier.x], [960 + 4 * 160, 960 + 2 * 160]);
});

test("motions at or before what is known are skipped", () => {
  const obstacles = obstaclesFromRows(["......", "......"], 32);
  const entity = new Entity([1, "a", "fox", true, 10, 960, 960, 2, 2]);
  entity.applyMotion(10, [1, 0, 1], obstacles);
  entity.applyMotion(9, [1, 0, 1], obstacles);
  assert.equal(entity.bodyAt(12, obstacles).x, 960 + 2 * 160);
});

test("an entity keeps its player's user id, the wire's tenth element", () => {
  const obstacles = obstaclesFromRows(["......", "......"], 32);
  const world = new World(obstacles);
  world.welcome({ id: 1, tick: 0, entities: [[2, "Bob", "owl", true, 0, 960, 960, 0, 0, 42]] });
  assert.equal(world.entities.get(2).user, 42);
  world.applyPatch({ tick: 3, add: [[3, "Cy", "fox", true, 2, 960, 960, 0, 0, 43]] });
  assert.equal(world.entities.get(3).user, 43);
  // An entity from a server without user ids has none.
  assert.equal(new Entity([4, "Old", "fox", true, 0, 0, 0, 0, 0]).user, null);
});
