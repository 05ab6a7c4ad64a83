// How long after walking up to someone their voice arrives: headless
// Chromium, two players in browser contexts of their own, on a real ark
// server with the default talk rules.
//
//   node benchmarks/talk_latency.mjs [--pairings 20] [--twistd PATH] [--limit SECONDS]
//
// Starts `twistd ark` (the checkout's virtualenv's, or --twistd) on the
// bundled town, and Chromium with a fake microphone playing a 440 Hz tone.
// Ann stands on the open ground at the south of the town; Bob starts ten
// tiles (320 px, past the leave radius) east of her and walks up to her,
// `--pairings` times. Inside Bob's page, t0 is the first moment his own
// predicted position is within the connect radius (160 px) of Ann, read
// from the test hook every 5 ms; t1 is the first moment his page's
// connection of the new conversation has received audio bytes
// (talkStats(), polled again as soon as getStats answers). Then he walks back
// until the conversation has ended on both sides, and again. Prints
// p50/p95/max of t1 - t0 in ms and the count (with the medians of two
// steps on the way: the page told of the conversation, its connection
// up), then the same as one JSON line; gives up with an error after
// --limit seconds (300).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { chromium } from "../web/node_modules/playwright-core/index.mjs";
import { sineWave } from "../web/e2e/sinewave.js";

const { values } = parseArgs({
  options: {
    pairings: { type: "string", default: "20" },
    twistd: { type: "string" },
    limit: { type: "string", default: "300" },
  },
});
const pairings = Number(values.pairings);
const root = fileURLToPath(new URL("..", import.meta.url));
const workdir = mkdtempSync(join(tmpdir(), "ark-talk-bench-"));

// The default talk rules (docs/protocol.md), in px; positions in units.
const CONNECT = 160;
const LEAVE = 224;
const TILE = 32;
const UNITS = 60;
const ROW = 35;
const ANN_AT = 20;
const BOB_FROM = ANN_AT + 10;
const BOB_TO = ANN_AT + 1;
const centre = (column, row) => [(column + 0.5) * TILE * UNITS, (row + 0.5) * TILE * UNITS];

// A 440 Hz tone for the fake microphone: 48 kHz, 3 s (a whole number of
// periods, so its loop has no seam).
function tone(path) {
  writeFileSync(path, sineWave({ hz: 440, seconds: 3, rate: 48000, amplitude: 16000 / 32767 }));
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, check, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await pause(50);
  }
}

let server = null;
let browser = null;
let finished = false;
async function cleanUp() {
  await browser?.close().catch(() => {});
  if (server !== null && server.exitCode === null) server.kill("SIGTERM");
  rmSync(workdir, { recursive: true, force: true });
}
const limit = setTimeout(async () => {
  if (finished) return;
  console.error(`talk_latency: gave up after ${values.limit} s`);
  await cleanUp();
  process.exit(1);
}, Number(values.limit) * 1000);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await cleanUp();
    process.exit(130);
  });
}

// Walk to tile (column, row) along free tiles, with the page's autopilot;
// an avatar stopped short (a correction after a waypoint) starts again.
async function walkTo(page, column, row) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const path = await page.evaluate(async ([goalColumn, goalRow]) => {
      const state = window.arkTest.snapshot();
      const map = await (await fetch(`/api/maps/${state.map}`)).json();
      const blocked = Uint8Array.from(atob(map.blocked), (char) => char.charCodeAt(0));
      const start = [Math.floor(state.me[0] / 60 / map.tileWidth), Math.floor(state.me[1] / 60 / map.tileHeight)];
      const from = new Map([[`${start}`, null]]);
      const order = [start];
      for (let next = 0; next < order.length; next++) {
        const [c, r] = order[next];
        for (const [dc, dr] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
          const [nc, nr] = [c + dc, r + dr];
          if (nc < 0 || nr < 0 || nc >= map.width || nr >= map.height) continue;
          if (blocked[nr * map.width + nc] || from.has(`${[nc, nr]}`)) continue;
          from.set(`${[nc, nr]}`, [c, r]);
          order.push([nc, nr]);
        }
      }
      const path = [];
      for (let at = [goalColumn, goalRow]; at; at = from.get(`${at}`)) path.unshift(at);
      return from.has(`${[goalColumn, goalRow]}`) ? path : null;
    }, [column, row]);
    if (path === null) throw new Error(`tile ${column},${row} is out of reach`);
    await page.evaluate((points) => window.arkTest.steer(points), path.map(([c, r]) => centre(c, r)));
    let last = null;
    let since = Date.now();
    for (;;) {
      const [steering, me] = await page.evaluate(() => [window.arkTest.steering(), window.arkTest.snapshot().me]);
      if (!steering) break;
      if (last === null || me[0] !== last[0] || me[1] !== last[1]) {
        last = me;
        since = Date.now();
      } else if (Date.now() - since > 2000) {
        await page.evaluate(() => window.arkTest.steer([]));
        break;
      }
      await pause(100);
    }
    const state = await until("the steps are acknowledged", () => page.evaluate(() => {
      const now = window.arkTest.snapshot();
      return now.pending === 0 && now;
    }));
    const [x, y] = centre(column, row);
    if (Math.abs(state.me[0] - x) <= 2 * UNITS && Math.abs(state.me[1] - y) <= 2 * UNITS) return state;
  }
  throw new Error(`could not walk to tile ${column},${row}`);
}

// Inside Bob's page: t0 (his predicted position within the connect radius
// of Ann, read every 5 ms) and t1 (the first audio bytes on a connection
// of a conversation not in `known`), in the page's clock; on the way, when
// the page learnt of the conversation (the server's `peer` `join`) and when
// its connection was up.
function measure(page, annAt, known) {
  return page.evaluate(async ({ annAt: [ax, ay], radius, known: old }) => {
    let t0 = null;
    let joined = null;
    let connected = null;
    const look = () => {
      const now = performance.now();
      const [x, y] = window.arkTest.snapshot().me;
      if (t0 === null && Math.hypot(x - ax, y - ay) <= radius) t0 = now;
      const peer = window.arkTest.talk().peers.find((each) => !old.includes(each.pair));
      if (peer && joined === null) joined = now;
      if (peer?.state === "connected" && connected === null) connected = now;
    };
    look();
    const watch = setInterval(look, 5);
    const deadline = performance.now() + 30000;
    try {
      while (performance.now() < deadline) {
        const fresh = (await window.arkTest.talkStats()).find((each) => !old.includes(each.pair) && each.bytesReceived > 0);
        if (fresh) {
          const t1 = performance.now();
          look();
          // Audio may arrive a moment before connectionState says so.
          return { t0, joined, connected: connected ?? t1, t1, pair: fresh.pair };
        }
        // Without connections talkStats() answers at once: the page's
        // frames (and Bob's steps) need the main thread between polls.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return null;
    } finally {
      clearInterval(watch);
    }
  }, { annAt, radius: CONNECT * UNITS, known });
}

async function player(name, base) {
  const context = await browser.newContext({ viewport: { width: 320, height: 180 }, permissions: ["microphone", "camera"] });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`${name}'s page:`, error));
  await page.goto(`${base}/`);
  await page.waitForSelector("#profile:not([hidden])");
  await page.fill("#profile-name", name);
  await page.click("#profile-guest");
  await page.waitForFunction(() => window.arkTest?.snapshot());
  return page;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

try {
  const wav = join(workdir, "tone.wav");
  tone(wav);
  server = spawn(values.twistd ?? join(root, ".venv", "bin", "twistd"),
    ["-n", "--pidfile=", "ark", "--port", "0", "--data-dir", workdir, "--sign-in-limit", "1000"],
    { cwd: workdir, env: { ...process.env, PYTHONPATH: "" } });
  const port = await new Promise((resolve, reject) => {
    let output = "";
    const look = (data) => {
      output += data;
      const found = output.match(/Site starting on (\d+)/);
      if (found) resolve(found[1]);
    };
    server.stdout.on("data", look);
    server.stderr.on("data", look);
    server.on("exit", (code) => reject(new Error(`twistd exited ${code}: ${output.slice(-2000)}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--use-gl=swiftshader", "--enable-unsafe-swiftshader",
      "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-audio-capture=${wav}`, "--autoplay-policy=no-user-gesture-required",
      "--allow-loopback-in-peer-connection"],
  });
  const ann = await player("Ann", base);
  const bob = await player("Bob", base);
  const annAt = (await walkTo(ann, ANN_AT, ROW)).me;
  await walkTo(bob, BOB_FROM, ROW);
  const noPeers = async (page) => (await page.evaluate(() => window.arkTest.talk().peers.length)) === 0;
  await until("Ann and Bob stand apart", async () => (await noPeers(ann)) && (await noPeers(bob)));

  const known = [];
  const delays = [];
  const joins = [];
  const connections = [];
  for (let round = 0; round < pairings; round++) {
    const measuring = measure(bob, annAt, known);
    await bob.evaluate((point) => window.arkTest.steer([point]), centre(BOB_TO, ROW));
    const found = await measuring;
    if (found === null || found.t0 === null) throw new Error(`pairing ${round + 1}: no audio within 30 s (${JSON.stringify(found)})`);
    known.push(found.pair);
    delays.push(found.t1 - found.t0);
    joins.push(found.joined - found.t0);
    connections.push(found.connected - found.t0);
    await until("Bob arrives", () => bob.evaluate(() => !window.arkTest.steering()));
    // Back past the leave radius, until the conversation has ended on both sides.
    await bob.evaluate((point) => window.arkTest.steer([point]), centre(BOB_FROM, ROW));
    await until("Bob is back", () => bob.evaluate(() => !window.arkTest.steering()));
    const distance = Math.abs((await bob.evaluate(() => window.arkTest.snapshot().me[0])) - annAt[0]) / UNITS;
    if (distance <= LEAVE) throw new Error(`Bob stopped ${distance} px from Ann`);
    await until("the conversation ends", async () => (await noPeers(ann)) && (await noPeers(bob)));
    console.error(`pairing ${round + 1}: ${(found.t1 - found.t0).toFixed(0)} ms ` +
      `(told ${(found.joined - found.t0).toFixed(0)} ms, connected ${(found.connected - found.t0).toFixed(0)} ms)`);
  }
  const sorted = [...delays].sort((a, b) => a - b);
  const median = (values) => Math.round(percentile([...values].sort((a, b) => a - b), 50));
  const result = {
    count: sorted.length,
    p50_ms: Math.round(percentile(sorted, 50)),
    p95_ms: Math.round(percentile(sorted, 95)),
    max_ms: Math.round(sorted.at(-1)),
    // Of which, medians: until the page was told of the conversation,
    // and until its connection was up.
    told_p50_ms: median(joins),
    connected_p50_ms: median(connections),
  };
  console.log(`walk up and talk: from within ${CONNECT} px to the first audio bytes, over ${result.count} pairings: ` +
    `p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms, max ${result.max_ms} ms`);
  console.log(JSON.stringify(result));
} finally {
  finished = true;
  clearTimeout(limit);
  await cleanUp();
}
