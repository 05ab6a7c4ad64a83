// The web client's benchmark: headless Chromium on the benchmark page of a
// real ark server, with load bots around it.
//
//   node benchmarks/client_bench.mjs [--bots 200] [--seconds 60] [--latency 150]
//                                    [--server-cpu N] [--viewport 1280x720]
//
// Starts `twistd ark` on the small café map (every bot stays in view),
// joins `--bots` load bots, opens /?bench=1 whose player walks a scripted
// route for `--seconds` with `--latency` ms of round trip emulated around
// its WebSocket, and prints one JSON line: frame interval and frame work
// (scene update plus render) p50/p95, remote avatars drawn, and the
// reconciliation corrections the walk needed.
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

const pin = values["server-cpu"] === undefined ? [] : ["taskset", "-c", values["server-cpu"]];
const serverCommand = [...pin, join(bin, "twistd")];
const server = spawn(serverCommand[0], [...serverCommand.slice(1),
  "-n", "--pidfile=", "ark", "--port", "0", "--data-dir", workdir, "--map", "cafe.tmj",
  "--room-capacity", String(Number(values.bots) + 10), "--view-radius", "480",
  "--sign-in-limit", "100000",
], { cwd: workdir, env: { ...process.env, PYTHONPATH: "" } });
const [, port] = await started(server, /Site starting on (\d+)/);
const seconds = Number(values.seconds);
const bots = spawn(join(bin, "python"), [
  "-m", "ark.loadtest", "--url", `ws://127.0.0.1:${port}/ws`, "--clients", values.bots,
  "--duration", String(seconds + 30), "--ramp", "2", "--json",
], { cwd: workdir, env: { ...process.env, PYTHONPATH: "" } });
bots.stdout.resume();
bots.stderr.resume();
await new Promise((resolve) => setTimeout(resolve, 4000));

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--use-gl=swiftshader", "--enable-unsafe-swiftshader"],
});
try {
  const [width, height] = values.viewport.split("x").map(Number);
  const page = await browser.newPage({ viewport: { width, height } });
  page.on("pageerror", (error) => console.error("page error:", error));
  await page.goto(`http://127.0.0.1:${port}/?bench=1&latency=${values.latency}&seconds=${seconds}`);
  await page.waitForFunction(() => window.arkBench, null, { timeout: (seconds + 60) * 1000 })
    .catch(async (error) => {
      const state = await page.evaluate(() => {
        const scene = window.ark?.scene;
        const snapshot = scene?.snapshot();
        if (snapshot) snapshot.entities = Object.keys(snapshot.entities).length;
        return { ready: scene?.ready, snapshot, status: document.getElementById("status")?.textContent };
      });
      throw new Error(`the walk did not finish: ${JSON.stringify(state)}`, { cause: error });
    });
  const result = await page.evaluate(() => window.arkBench);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const counter = (name) => Number((metrics.match(new RegExp(`^${name} (\\S+)`, "m")) ?? [])[1] ?? NaN);
  console.log(JSON.stringify({
    bots: Number(values.bots), seconds, viewport: values.viewport, ...result,
    server_steps_dropped: counter("ark_steps_dropped_total"),
    server_ticks_caught_up: counter("ark_ticks_caught_up_total"),
  }));
} finally {
  await browser.close();
  bots.kill("SIGTERM");
  server.kill("SIGTERM");
}
