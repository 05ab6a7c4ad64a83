// End to end: the world's agents (issue 13) in real headless Chromium
// against a real `twistd ark` on the bundled town: two players see the
// same agents, and the same agent wander to the same places.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";

import { artifacts, eventually, inWorld, serverAndBrowser, settled, signInAsGuest } from "./support.js";

const world = serverAndBrowser(["--sign-in-limit", "100"]);

async function guest(name) {
  const page = await signInAsGuest(world, name);
  await inWorld(page);
  await settled(page);
  return page;
}

const agentsOn = (page) => page.evaluate(() => window.arkTest.agents());
const host = async (page) => (await agentsOn(page))?.find((agent) => agent.agentId === "maven") ?? null;

test("two players see the same agent wander, to the same places", async () => {
  const ada = await guest("Ada");
  const bob = await guest("Bob");
  const [first, second] = await Promise.all([host(ada), host(bob)]);
  assert.ok(first && second, "both players see Maven, the host, by the spawn");
  assert.equal(first.name, "Maven");
  assert.equal(first.role, "the host");
  assert.equal(first.state, "idle");
  assert.deepEqual((await agentsOn(ada)).map((a) => a.agentId), (await agentsOn(bob)).map((a) => a.agentId));

  // Idle agents rest a few seconds, then stroll somewhere near home.
  const start = [first.x, first.y];
  await eventually(async () => {
    const now = await host(ada);
    return now.x !== null && (now.x !== start[0] || now.y !== start[1]);
  }, 20, "Maven walks somewhere");
  // Both pages draw it where the server has it: the same place once it
  // rests again (drawn positions are in units, 60 to a pixel).
  await eventually(async () => {
    const [a, b] = await Promise.all([host(ada), host(bob)]);
    const moved = a.x !== start[0] || a.y !== start[1];
    return moved && Math.abs(a.x - b.x) <= 60 && Math.abs(a.y - b.y) <= 60
      && JSON.stringify(await host(ada)) === JSON.stringify(a);
  }, 20, "both pages show Maven at the same new place");
  await ada.screenshot({ path: join(artifacts, "agents-ada.png") });
  await bob.screenshot({ path: join(artifacts, "agents-bob.png") });
  await ada.context().close();
  await bob.context().close();
});
