// The web client's benchmark: headless Chromium on the benchmark page of a
// real ark server, with load bots around it.
//
//   node benchmarks/client_bench.mjs [--bots 200] [--seconds 60] [--latency 150]
//                                    [--server-cpu N] [--viewport 1280x720]
//                                    [--idle SECONDS] [--uncapped] [--twistd PATH]
//
// Starts `twistd ark` on the small café map (every bot stays in view),
// joins `--bots` load bots, opens /?bench=1 whose player walks a scripted
// route for `--seconds` with `--latency` ms of round trip emulated around
// its WebSocket, and prints one JSON line: frame interval p50/p95, frame
// work (scene update plus render) and the scene's update alone p50/p95/max,
// the map the walk ended on, remote avatars drawn, and the reconciliation
// corrections the walk needed.
//
// With --idle, the bots walk for a few seconds once they have all joined,
// then stand still, connected (the load test's --stand-after), and the
// page opens SECONDS later. Every other avatar on the page has then been
// idle for SECONDS * 60 ticks and more, which is what drawing long-idle
// avatars costs.
//
// --uncapped lets Chromium draw frames as fast as it can instead of at
// 60 Hz, as a 120 or 144 Hz display asks for them: frames then often fall
// between the same two ticks, which is where replaying others costs most.
// With a small --viewport (320x180) the software renderer keeps up.
//
// --twistd runs another twistd than the checkout's virtualenv's, e.g. one
// whose prefix serves a working tree's web/.
//
// On a two-core machine the software renderer of headless Chromium takes
// both cores and starves the server's 60 Hz loop, and a starved loop drops
// steps and forces corrections.  To measure the client with nothing
// blocking the path, give the server a core of its own:
//
//   taskset -c 1 node benchmarks/client_bench.mjs --server-cpu 0
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { chromium } from "../web/node_modules/playwright-core/index.mjs";

const { values } = parseArgs({
  options: {
    bots: { type: "string", default: "200" },
    seconds: { type: "string", default: "60" },
    latency: { type: "string", default: "150" },
    "server-cpu": { type: "string" },
    viewport: { type: "string", default: "1280x720" },
    idle: { type: "string" },
    uncapped: { type: "boolean", default: false },
    twistd: { type: "string" },
  },
});
const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, ".venv", "bin");
const workdir = mkdtempSync(join(tmpdir(), "ark-client-bench-"));

function started(child, pattern) {
  return new Promise((resolve, reject) => {
    let output = "";
    const look = (data) => {
      output += data;
      const found = output.match(pattern);
      if (found) resolve(found);
    };
    child.stdout.on("data", look);
    child.stderr.on("data", look);
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${output.slice(-2000)}`)));
  });
}

const seconds = Number(values.seconds);
const STAND_AFTER = 3;
const idle = values.idle === undefined ? null : Number(values.idle);
const botCount = Number(values.bots);
const pin = values["server-cpu"] === undefined ? [] : ["taskset", "-c", values["server-cpu"]];
const serverCommand = [...pin, values.twistd ?? join(bin, "twistd")];
const server = spawn(serverCommand[0], [...serverCommand.slice(1),
  "-n", "--pidfile=", "ark", "--port", "0", "--data-dir", workdir, "--map", "cafe.tmj",
  "--room-capacity", String(botCount + 10), "--view-radius", "480",
  "--sign-in-limit", "100000",
], { cwd: workdir, env: { ...process.env, PYTHONPATH: "" } });
const [, port] = await started(server, /Site starting on (\d+)/);
const base = `http://127.0.0.1:${port}`;
const bots = spawn(join(bin, "python"), [
  "-m", "ark.loadtest", "--url", `ws://127.0.0.1:${port}/ws`, "--clients", values.bots,
  "--duration", String(seconds + (idle ?? 0) + 30), "--ramp", "2", "--json",
  // A few seconds of walking, so that they stop all over the room.
  ...(idle === null ? [] : ["--stand-after", String(STAND_AFTER)]),
], { cwd: workdir, env: { ...process.env, PYTHONPATH: "" } });
bots.stdout.resume();
bots.stderr.resume();
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The avatars in the bench's room and how many of them have a connection.
async function seated() {
  const { rooms } = await (await fetch(`${base}/api/rooms`)).json();
  return rooms.reduce((sum, room) => ({
    avatars: sum.avatars + room.avatars, connected: sum.connected + room.connected,
  }), { avatars: 0, connected: 0 });
}

async function until(check, what, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await seated())}`);
    await pause(250);
  }
}

if (idle === null) {
  await pause(4000);
} else {
  await until(async () => (await seated()).connected >= botCount, "the bots to join");
  // Their measuring window starts at the end of the 2 s ramp; a second
  // more for the last steps sent to be taken.
  await pause((STAND_AFTER + 3) * 1000);
  console.error(`${botCount} avatars stand still; the page opens in ${idle} s`, JSON.stringify(await seated()));
  await pause(idle * 1000);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--use-gl=swiftshader", "--enable-unsafe-swiftshader",
    ...(values.uncapped ? ["--disable-frame-rate-limit", "--disable-gpu-vsync"] : [])],
});
try {
  const [width, height] = values.viewport.split("x").map(Number);
  const page = await browser.newPage({ viewport: { width, height } });
  page.on("pageerror", (error) => console.error("page error:", error));
  await page.goto(`${base}/?bench=1&latency=${values.latency}&seconds=${seconds}`);
  // The page's test hook (web/src/testhook.js, docs/client.md).
  await page.waitForFunction(() => window.arkTest?.benchResult(), null, { timeout: (seconds + 60) * 1000 })
    .catch(async (error) => {
      const state = await page.evaluate(() => {
        const hook = window.arkTest;
        const snapshot = hook?.snapshot() ?? null;
        if (snapshot) snapshot.entities = Object.keys(snapshot.entities).length;
        return { ready: hook?.ready(), snapshot, connection: hook?.connectionState(),
          status: document.getElementById("status")?.textContent };
      });
      throw new Error(`the walk did not finish: ${JSON.stringify(state)}`, { cause: error });
    });
  const result = await page.evaluate(() => window.arkTest.benchResult());
  if (result.map !== "cafe.tmj") console.error(`the walk left the café (it ended on ${result.map}): the figures are not among the bots`);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const counter = (name) => Number((metrics.match(new RegExp(`^${name} (\\S+)`, "m")) ?? [])[1] ?? NaN);
  console.log(JSON.stringify({
    bots: botCount, seconds, viewport: values.viewport, idle_seconds: idle, ...result,
    server_steps_dropped: counter("ark_steps_dropped_total"),
    server_ticks_caught_up: counter("ark_ticks_caught_up_total"),
  }));
} finally {
  await browser.close();
  bots.kill("SIGTERM");
  server.kill("SIGTERM");
}
