// The client's model of other avatars, replaying a patch stream the
// Python server sent (tests/vectors/patches.json), must land every avatar
// exactly where the server had it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { positionAt } from "../src/clock.js";
import { DOWN, LEFT, Obstacles, RIGHT, RUN, UP, step } from "../src/movement.js";
import { Entity, STILL_FLAG, World, parseAgentState } from "../src/world.js";

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

// The movement rule, counting how often it is applied.
function countingRule() {
  const rule = (body, bits, obstacles) => {
    rule.calls++;
    return step(body, bits, obstacles);
  };
  rule.calls = 0;
  return rule;
}

test("an avatar idle for ten minutes costs no replay, however the frames ask", () => {
  const obstacles = obstaclesFromRows(["......", "......"], 32);
  const rule = countingRule();
  // It walked right and stopped at tick 1000 (a "stood still" motion).
  const entity = new Entity([1, "a", "fox", true, 990, 960, 960, RIGHT, 2], rule);
  entity.applyMotion(1000, [1, 0, STILL_FLAG], obstacles);
  const stood = entity.bodyAt(1000, obstacles);
  rule.calls = 0;
  // Ten minutes of frames drawn between ticks, as positionAt asks: the
  // earlier tick after the later one, often the same pair twice running.
  for (let tick = 1000 + 36000; tick < 1000 + 36000 + 600; tick += 0.4) {
    const drawn = positionAt(entity, tick, obstacles);
    assert.deepEqual([drawn.x, drawn.y], [stood.x, stood.y]);
  }
  assert.ok(rule.calls <= 1, `the rule ran ${rule.calls} times`);
});

test("an avatar walking into a wall comes to rest, and stays at no cost", () => {
  // Walking right along a row that ends in a wall three tiles on.
  const obstacles = obstaclesFromRows(["....#.", "......"], 32);
  const rule = countingRule();
  const entity = new Entity([1, "a", "fox", true, 0, 960, 960, RIGHT, 2], rule);
  const atWall = entity.bodyAt(100, obstacles);
  assert.equal(atWall.x, 4 * 32 * 60 - 8 * 60);
  const walked = rule.calls;
  // 104 px at 160 units a step, and one more to find it cannot go on.
  assert.ok(walked <= 41, `${walked} steps to reach the wall`);
  for (let tick = 100; tick < 40000; tick += 0.7) positionAt(entity, tick, obstacles);
  assert.equal(rule.calls, walked);
});

test("bodies worked out in any order are exactly those of replaying from the anchor", () => {
  const obstacles = obstaclesFromRows(["......", "..#...", "......", "......"], 32);
  const random = (() => {
    let state = 11;
    return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  })();
  for (const bits of [0, RIGHT, LEFT | DOWN, DOWN | RUN, UP | RIGHT]) {
    const entity = new Entity([1, "a", "fox", true, 50, 700, 900, bits, 0]);
    const replayed = [];
    let body = entity.anchor;
    for (let tick = 50; tick < 150; tick++) {
      replayed[tick] = body;
      body = step(body, bits, obstacles);
    }
    for (let ask = 0; ask < 400; ask++) {
      const tick = 50 + Math.floor(random() * 99);
      assert.deepEqual(entity.bodyAt(tick, obstacles), replayed[tick], `bits ${bits}, tick ${tick}`);
      assert.deepEqual(entity.bodyAt(tick + 1, obstacles), replayed[tick + 1], `bits ${bits}, tick ${tick + 1}`);
    }
  }
});

test("a player's status: from the description (online when a server sends none), changed by chg", () => {
  const world = new World(obstaclesFromRows(["...."], 32));
  world.welcome({ id: 1, tick: 10, entities: [
    [2, "Bob", "owl", true, 10, 60, 60, 0, 0, 20, "busy"],
    [3, "Cy", "fox", true, 10, 60, 60, 0, 0, 30],
  ] });
  assert.equal(world.entities.get(2).status, "busy");
  assert.equal(world.entities.get(3).status, "online");
  world.applyPatch({ tick: 13, chg: [[2, { s: "dnd" }], [3, { c: false }], [9, { s: "away" }]] });
  assert.equal(world.entities.get(2).status, "dnd");
  assert.equal(world.entities.get(2).connected, true);
  assert.equal(world.entities.get(3).status, "online");
  assert.equal(world.entities.get(3).connected, false);
});

test("an agent's description: [agentId, role, state, withId] as the twelfth element; a player's is null or absent", () => {
  const world = new World(obstaclesFromRows(["...."], 32));
  world.welcome({ id: 1, tick: 10, entities: [
    [2, "Scout", "explorer", true, 10, 60, 60, 0, 0, null, "online", ["scout", "the guide", "talking", 1]],
    [3, "Bob", "owl", true, 10, 60, 60, 0, 0, 30, "online", null],
    [4, "Cy", "fox", true, 10, 60, 60, 0, 0, 40, "busy"],
  ] });
  assert.deepEqual(world.entities.get(2).agent, { id: "scout", role: "the guide", state: "talking", withId: 1 });
  assert.equal(world.entities.get(2).user, null);
  assert.equal(world.entities.get(3).agent, null);
  assert.equal(world.entities.get(4).agent, null);
  world.applyPatch({ tick: 12, add: [[5, "Sage", "wizard", true, 11, 0, 0, 0, 0, null, "online", ["sage", "the adviser", "idle", null]]] });
  assert.deepEqual(world.entities.get(5).agent, { id: "sage", role: "the adviser", state: "idle", withId: null });
});

test("a malformed agent description is no agent, or an idle one when only its state is not understood", () => {
  const agentOf = (value) => new Entity([2, "X", "fox", true, 0, 0, 0, 0, 0, null, "online", value]).agent;
  // Without a text id there is nothing to address: not an agent.
  for (const value of [undefined, 0, "scout", {}, [], [7, "the guide", "idle", null], ["", "r", "idle", null],
    [null, "r", "idle", null]]) {
    assert.equal(agentOf(value), null, JSON.stringify(value));
  }
  // A role that is not text is left out.
  assert.deepEqual(agentOf(["scout", 5, "thinking", null]), { id: "scout", role: "", state: "thinking", withId: null });
  // A state or partner not understood: idle, with no one.
  const idle = { id: "scout", role: "r", state: "idle", withId: null };
  for (const rest of [[], ["dancing", 3], ["talking", "Ada"], ["talking", 1.5], [null, null]]) {
    assert.deepEqual(agentOf(["scout", "r", ...rest]), idle, JSON.stringify(rest));
  }
  // A partner left out is no one.
  assert.deepEqual(agentOf(["scout", "r", "thinking"]), { ...idle, state: "thinking" });
});

test("chg.a changes an agent's state and partner; a malformed one, or one for a player, changes nothing", () => {
  const world = new World(obstaclesFromRows(["...."], 32));
  world.welcome({ id: 1, tick: 10, entities: [
    [2, "Scout", "explorer", true, 10, 60, 60, 0, 0, null, "online", ["scout", "the guide", "idle", null]],
    [3, "Bob", "owl", true, 10, 60, 60, 0, 0, 30, "online"],
  ] });
  world.applyPatch({ tick: 11, chg: [[2, { a: ["listening", 3] }], [3, { a: ["thinking", 2] }], [9, { a: ["idle", null] }]] });
  assert.deepEqual(world.entities.get(2).agent, { id: "scout", role: "the guide", state: "listening", withId: 3 });
  assert.equal(world.entities.get(3).agent, null, "a patch does not make a player an agent");
  for (const bad of [null, "thinking", [], ["sleeping", 3], ["talking", "3"], { state: "idle" }]) {
    world.applyPatch({ tick: 12, chg: [[2, { a: bad }]] });
    assert.deepEqual(world.entities.get(2).agent, { id: "scout", role: "the guide", state: "listening", withId: 3 },
      JSON.stringify(bad));
  }
  // With other fields in the same entry, and back to idle with no one.
  world.applyPatch({ tick: 13, chg: [[2, { c: true, a: ["thinking", 3] }]] });
  assert.equal(world.entities.get(2).agent.state, "thinking");
  world.applyPatch({ tick: 14, chg: [[2, { a: ["idle", null] }]] });
  assert.deepEqual(world.entities.get(2).agent, { id: "scout", role: "the guide", state: "idle", withId: null });
  assert.deepEqual(parseAgentState(["talking"]), { state: "talking", withId: null });
  assert.equal(parseAgentState(["talking", 3, "more"]).withId, 3, "later elements, from a newer server, are ignored");
});

test("agents move by the movement rule like any avatar", () => {
  const obstacles = obstaclesFromRows(["......", "......"], 32);
  const agent = new Entity([2, "Scout", "explorer", true, 10, 960, 960, RIGHT, 2, null, "online", ["scout", "the guide", "idle", null]]);
  assert.equal(agent.bodyAt(14, obstacles).x, 960 + 4 * 160);
});
