// What the end-to-end tests share: a real `twistd ark` from the project's
// virtualenv, real headless Chromium (/usr/bin/chromium through
// playwright-core; never a downloaded browser), and reading a page's game
// through its one test hook, window.arkTest (web/src/testhook.js).
// (Not a test file itself: node --test runs only *.test.js here.)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before } from "node:test";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("../..", import.meta.url));
// The project's virtualenv's twistd, unless ARK_E2E_TWISTD names another
// (one whose prefix serves this checkout's web/, while the virtualenv's
// installed copy is older than the working tree).
const twistd = process.env.ARK_E2E_TWISTD || join(root, ".venv", "bin", "twistd");
export const artifacts = join(root, "artifacts");
const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--use-gl=swiftshader", "--enable-unsafe-swiftshader",
];

// Start `twistd ark` on a free port with a fresh data directory; resolves
// with the child process and the site's base URL.
export function startServer(extraOptions = []) {
  mkdirSync(artifacts, { recursive: true });
  const workdir = mkdtempSync(join(tmpdir(), "ark-e2e-"));
  const options = ["--port", "0", "--data-dir", workdir, ...extraOptions];
  const child = spawn(twistd, ["-n", "--pidfile=", "ark", ...options], {
    cwd: workdir, env: { ...process.env, PYTHONPATH: "" },
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const look = (data) => {
      output += data;
      const found = output.match(/(?:Site|Gateways) starting on (\d+)/);
      if (found) resolve({ child, base: `http://127.0.0.1:${found[1]}` });
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", (code) => reject(new Error(`twistd exited ${code}: ${output}`)));
  });
}

// extraArgs: more Chromium switches, e.g. a fake microphone's.
export function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: [...CHROMIUM_ARGS, ...extraArgs] });
}

// How many colours the game shows, counted in a small copy of a
// screenshot of its canvas (what the player sees there).
export async function coloursDrawn(page) {
  const png = await page.locator("#game canvas").screenshot();
  return page.evaluate(async (data) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const copy = document.createElement("canvas");
    copy.width = 160;
    copy.height = 90;
    const context = copy.getContext("2d");
    context.drawImage(image, 0, 0, copy.width, copy.height);
    const pixels = context.getImageData(0, 0, copy.width, copy.height).data;
    const seen = new Set();
    for (let i = 0; i < pixels.length; i += 4) seen.add(`${pixels[i]},${pixels[i + 1]},${pixels[i + 2]}`);
    return seen.size;
  }, png.toString("base64"));
}

// A new guest of `world` (serverAndBrowser's) in a fresh browser context:
// the page at `path`, signed in as a guest called `name` (not yet waited
// into the world: a map that fails to load never gets there).
export async function signInAsGuest(world, name, { path = "/", viewport = { width: 1280, height: 720 }, device = {} } = {}) {
  const context = await world.browser.newContext({ viewport, ...device });
  const page = await context.newPage();
  page.on("pageerror", (error) => { throw error; });
  await page.goto(world.base + path);
  await page.waitForSelector("#profile:not([hidden])");
  await page.fill("#profile-name", name);
  await page.click("#profile-guest");
  return page;
}

// Where the page has everyone: the test hook's snapshot (web/src/testhook.js,
// docs/client.md), null until the world is drawn.
export const snapshot = (page) => page.evaluate(() => window.arkTest?.snapshot() ?? null);

// Wait until the page is in the world.
export const inWorld = (page) => page.waitForFunction(() => window.arkTest?.snapshot());

// Wait until the page's own steps are all acknowledged.
export async function settled(page) {
  await page.waitForFunction(() => {
    const state = window.arkTest?.snapshot();
    return state && state.pending === 0;
  });
  return snapshot(page);
}

// For a test file: a server (with `extraOptions`) and a browser (with
// `browserArgs`), started before its tests and stopped after them; read
// `base` and `browser` from the returned object once the tests run.
export function serverAndBrowser(extraOptions = [], browserArgs = []) {
  const world = {};
  before(async () => {
    ({ child: world.server, base: world.base } = await startServer(extraOptions));
    world.browser = await launchBrowser(browserArgs);
  });
  after(async () => {
    await world.browser?.close();
    world.server?.kill("SIGTERM");
  });
  return world;
}

// Poll until `check` holds, at most `seconds`; resolves with what it
// returned (for what the page has no element to wait for).
export async function eventually(check, seconds, what) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const result = await check();
    if (result) return result;
    assert.ok(Date.now() < deadline, `${what} within ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Positions are in units: 60 to a pixel.
const UNITS = 60;

// The free tiles reachable from the page's avatar, breadth first over the
// server's collision grid, each with the tile it is reached from.
export async function reachable(page) {
  const map = await page.evaluate(async () => {
    const name = window.arkTest.snapshot().map;
    return (await fetch(`/api/maps/${name}`)).json();
  });
  const blocked = Buffer.from(map.blocked, "base64");
  const me = (await snapshot(page)).me;
  const start = [Math.floor(me[0] / UNITS / map.tileWidth), Math.floor(me[1] / UNITS / map.tileHeight)];
  const from = new Map([[`${start[0]},${start[1]}`, null]]);
  const order = [start];
  for (let next = 0; next < order.length; next++) {
    const [c, r] = order[next];
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
      const [nc, nr] = [c + dx, r + dy];
      const key = `${nc},${nr}`;
      if (nc < 0 || nr < 0 || nc >= map.width || nr >= map.height) continue;
      if (blocked[nr * map.width + nc] || from.has(key)) continue;
      from.set(key, [c, r]);
      order.push([nc, nr]);
    }
  }
  return { map, start, from, order };
}

// How long an avatar on its way may stand still before it is taken to be
// stuck.
const STUCK_MS = 2000;

// Walk along tile centres to the tile `goal`, with the page's autopilot.
// When the machine is busy the server may drop a step; the page then puts
// its avatar back a few pixels after the autopilot has passed a waypoint,
// and the autopilot pushes into a wall's corner: an avatar that stands
// still that long is let go of, where it is (walkTo sets it on its way
// again from there).
export async function walkPath(page, { map, start, from }, goal) {
  const path = [];
  for (let at = goal; at; at = from.get(`${at[0]},${at[1]}`)) path.unshift(at);
  assert.deepEqual(path[0], start, `no way to tile ${goal}`);
  const waypoints = path.map(([c, r]) => [(c + 0.5) * map.tileWidth * UNITS, (r + 0.5) * map.tileHeight * UNITS]);
  await page.evaluate((points) => window.arkTest.steer(points), waypoints);
  const deadline = Date.now() + 60000;
  let last = null;
  let since = Date.now();
  for (;;) {
    // (No snapshot while the map of a door is loading: on the way still.)
    const [steering, me] = await page.evaluate(() => [window.arkTest.steering(), window.arkTest.snapshot()?.me ?? null]);
    if (!steering) break;
    if (me === null || last === null || me[0] !== last[0] || me[1] !== last[1]) {
      last = me;
      since = Date.now();
    } else if (Date.now() - since > STUCK_MS) {
      await page.evaluate(() => window.arkTest.steer([]));
      break;
    }
    assert.ok(Date.now() < deadline, `still on the way to tile ${goal} after a minute`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return settled(page);
}

// Walk to the tile holding (px, py) in pixels, starting again from where
// the avatar stands if it got stuck on the way (walkPath); a door on the
// way ends the walk on the other map.
export async function walkTo(page, px, py) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const mapName = (await snapshot(page)).map;
    const found = await reachable(page);
    const goal = [Math.floor(px / found.map.tileWidth), Math.floor(py / found.map.tileHeight)];
    assert.ok(found.from.has(`${goal[0]},${goal[1]}`), `tile ${goal} is blocked or out of reach`);
    const state = await walkPath(page, found, goal);
    const [x, y] = [(goal[0] + 0.5) * found.map.tileWidth * UNITS, (goal[1] + 0.5) * found.map.tileHeight * UNITS];
    if (state.map !== mapName) return state;
    if (Math.abs(state.me[0] - x) <= 2 * UNITS && Math.abs(state.me[1] - y) <= 2 * UNITS) return state;
  }
  throw new Error(`could not walk to (${px}, ${py}): at ${(await snapshot(page)).me}`);
}
