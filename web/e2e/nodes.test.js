// End to end: two `twistd ark` nodes as one world (issue 14), sharing the
// machine's Redis and a PostgreSQL database of their own. Ada's page is
// served by node A, Bob's by node B; each asks its own node where to join,
// both are sent to the node that holds the town, and there they see each
// other walk.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";

import { inWorld, launchBrowser, settled, signInAsGuest, snapshot, startServer, walkTo } from "./support.js";

const UNITS = 60;
const world = `e2e-${randomBytes(6).toString("hex")}`;
const database = `ark_e2e_${randomBytes(6).toString("hex")}`;
const secret = randomBytes(32).toString("hex");
const nodes = {};
let browser = null;

const psql = (sql) => execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", sql],
  { stdio: "pipe" });

// A port nothing listens on now.
function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

before(async () => {
  psql(`CREATE DATABASE ${database}`);
  for (const id of ["node-a", "node-b"]) {
    const port = await freePort();
    nodes[id] = await startServer([
      "--port", String(port), "--node-id", id, "--public-url", `http://127.0.0.1:${port}`,
      "--redis", "redis://127.0.0.1:6379/15", "--world", world,
      "--db", `postgresql://postgres@127.0.0.1:5432/${database}`, "--secret", secret,
      "--sign-in-limit", "100",
    ]);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await Promise.all(Object.values(nodes).map(({ child }) => new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
  })));
  psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

async function guestOn(node, name) {
  const page = await signInAsGuest({ browser, base: node.base }, name);
  page.sockets = [];
  page.on("websocket", (socket) => page.sockets.push(socket.url()));
  await inWorld(page);
  await settled(page);
  return page;
}

test("two pages first reaching two different nodes end up in the same room and see each other walk", async () => {
  const ada = await guestOn(nodes["node-a"], "Ada");
  const bob = await guestOn(nodes["node-b"], "Bob");
  const [adaState, bobState] = [await snapshot(ada), await snapshot(bob)];
  assert.equal(adaState.map, "town.tmj");
  assert.equal(bobState.map, "town.tmj");
  // Both were sent to the one node that holds the town.
  const adaSocket = ada.sockets.at(-1);
  const bobSocket = bob.sockets.at(-1);
  assert.equal(adaSocket, bobSocket, "both pages play on the same node");
  const holder = Object.values(nodes).find((node) => `${node.base.replace("http", "ws")}/ws` === adaSocket);
  assert.ok(holder, `the socket ${adaSocket} is one of the nodes'`);
  const other = Object.values(nodes).find((node) => node !== holder);
  const servedByOther = other === nodes["node-a"] ? ada : bob;
  assert.ok(servedByOther.url().startsWith(other.base), "one page is served by the other node");

  // Each sees the other, and sees them walk.
  await ada.waitForFunction((id) => window.arkTest.snapshot().entities[id], bobState.selfId);
  await bob.waitForFunction((id) => window.arkTest.snapshot().entities[id], adaState.selfId);
  const [x, y] = [bobState.me[0] / UNITS, bobState.me[1] / UNITS];
  const walked = await walkTo(bob, x + 96, y);
  await ada.waitForFunction(([id, to]) => {
    const seen = window.arkTest.snapshot().entities[id];
    return seen && Math.abs(seen[0] - to[0]) <= 60 && Math.abs(seen[1] - to[1]) <= 60;
  }, [bobState.selfId, walked.me]);
  await ada.context().close();
  await bob.context().close();
});
