// The agent the interact key talks to: the nearest agent drawn within
// 64 px of the player's avatar, or none.
import { test } from "node:test";
import assert from "node:assert/strict";

import { TALK_REACH_PX, nearestAgent } from "../src/agentreach.js";

const agent = (id, agentId) => ({ id, name: agentId, agent: { id: agentId, role: "", state: "idle", withId: null } });
const player = (id) => ({ id, name: `p${id}`, agent: null });

test("the nearest agent within reach, players and agents out of view or reach aside", () => {
  const entities = [player(2), agent(3, "scout"), agent(4, "sage"), agent(5, "unseen")];
  const drawn = { 2: { x: 100, y: 100 }, 3: { x: 150, y: 100 }, 4: { x: 130, y: 100 } };
  const pointOf = (id) => drawn[id] ?? null;
  assert.equal(nearestAgent(entities, pointOf, { x: 100, y: 100 }).agent.id, "sage");
  assert.equal(nearestAgent(entities, pointOf, { x: 160, y: 100 }).agent.id, "scout");
  assert.equal(TALK_REACH_PX, 64);
  assert.equal(nearestAgent(entities, pointOf, { x: 150, y: 100 + 64 }).agent.id, "scout", "64 px is within reach");
  assert.equal(nearestAgent(entities, pointOf, { x: 150, y: 100 + 65 }), null);
  assert.equal(nearestAgent(entities, pointOf, null), null, "no avatar of the player's");
  assert.equal(nearestAgent([], pointOf, { x: 0, y: 0 }), null);
});
