// End to end: two `twistd ark` nodes as one world (issue 14), sharing the
// machine's Redis and a PostgreSQL database of their own; node B with a
// gateway. Ada's page is served by node A, Bob's by node B (through its
// gateway); each asks its own node where to join,
// both are sent to the node that holds the town, and there they see each
// other walk. Then that node is killed: once its heartbeat has expired,
// the pages are given seats on the other node, and stand where they last
// stood.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";

import { eventually, inWorld, launchBrowser, settled, signInAsGuest, snapshot, startServer, walkTo } from "./support.js";

const UNITS = 60;
const world = `e2e-${randomBytes(6).toString("hex")}`;
const database = `ark_e2e_${randomBytes(6).toString("hex")}`;
const secret = randomBytes(32).toString("hex");
const nodes = {};
let browser = null;

const psql = (sql, db = "postgres") => execFileSync("psql", ["-h", "127.0.0.1", "-U", "postgres", "-d", db, "-c", sql],
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
      // Node B runs a gateway: the page it serves, and the players it
      // seats when the other node is killed, go through one.
      "--gateways", id === "node-b" ? "1" : "0",
    ]);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await Promise.all(Object.values(nodes).map(({ child }) => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once("exit", resolve);
    child.kill("SIGTERM");
  })));
  psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

// Walk a few tiles away from where the page's avatar stands, whichever
// way is free (spawn points vary); resolves with where it ended up.
async function walkSomewhere(page) {
  const start = await snapshot(page);
  for (const [dx, dy] of [[96, 0], [-96, 0], [0, 96], [0, -96], [64, 64], [-64, -64], [64, -64], [-64, 64]]) {
    try {
      return await walkTo(page, start.me[0] / UNITS + dx, start.me[1] / UNITS + dy);
    } catch {
      // A wall there: another way.
    }
  }
  throw new Error(`no free tile near ${start.me}`);
}

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
  const walked = await walkSomewhere(bob);
  await ada.waitForFunction(([id, to]) => {
    const seen = window.arkTest.snapshot().entities[id];
    return seen && Math.abs(seen[0] - to[0]) <= 60 && Math.abs(seen[1] - to[1]) <= 60;
  }, [bobState.selfId, walked.me]);
  await ada.context().close();
  await bob.context().close();
});

test("a killed node's players are seated on the other node, where they stood", async () => {
  const ada = await guestOn(nodes["node-a"], "Ada");
  const bob = await guestOn(nodes["node-b"], "Bob");
  const holder = Object.values(nodes).find((node) => `${node.base.replace("http", "ws")}/ws` === ada.sockets.at(-1));
  const other = Object.values(nodes).find((node) => node !== holder);
  // Bob, whose page the surviving node serves, walks somewhere; his place
  // is saved every five seconds while he plays.
  const walked = await walkSomewhere(bob);
  // The node saves where he stands every five seconds: wait until it has.
  await eventually(() => {
    const row = psql("SELECT last_x, last_y FROM users WHERE display_name = 'Bob' ORDER BY id DESC LIMIT 1", database)
      .toString().match(/(-?\d+)\s*\|\s*(-?\d+)/);
    return row && Math.abs(Number(row[1]) - walked.me[0]) <= UNITS && Math.abs(Number(row[2]) - walked.me[1]) <= UNITS;
  }, 15, "Bob's place is saved");
  holder.child.kill("SIGKILL");
  await new Promise((resolve) => holder.child.once("exit", resolve));
  // Within the heartbeat's life (10 s) and the page's backoff, a seat on
  // the other node.
  // (The page may still think itself connected for a moment after the
  // kill, so first wait for its socket to the other node.)
  const otherSocket = `${other.base.replace("http", "ws")}/ws`;
  await eventually(() => bob.sockets.at(-1) === otherSocket, 45, "Bob's page connects to the surviving node");
  await bob.waitForFunction(() => window.arkTest.connectionState()?.state === "connected"
    && window.arkTest.snapshot()?.map === "town.tmj", null, { timeout: 15000 });
  const now = await settled(bob);
  assert.ok(Math.abs(now.me[0] - walked.me[0]) <= 2 * UNITS && Math.abs(now.me[1] - walked.me[1]) <= 2 * UNITS,
    `Bob stands where he stood (${now.me} vs ${walked.me})`);
  await ada.context().close();
  await bob.context().close();
});

