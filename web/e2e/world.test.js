// End to end: real headless Chromium (/usr/bin/chromium, driven by
// playwright-core, no downloaded browser) against a real `twistd ark`
// from the project's virtualenv, serving the bundled world.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";

import { artifacts, coloursDrawn, inWorld, serverAndBrowser, settled, signInAsGuest, snapshot, walkTo } from "./support.js";

// Every player signs in from 127.0.0.1: more than the default ten
// sign-ins a minute one address may make.
const world = serverAndBrowser(["--sign-in-limit", "100"]);

async function player(name, viewport = { width: 1280, height: 720 }, device = {}) {
  const page = await signInAsGuest(world, name, { viewport, device });
  await inWorld(page);
  return page;
}

// The first way out of the spawn point with three free tiles on it, so a
// walk is not stopped at once by the fountain or a bench.
async function freeWay(page, me) {
  const map = await page.evaluate(async (name) => (await fetch(`/api/maps/${name}`)).json(), "town.tmj");
  const blocked = Buffer.from(map.blocked, "base64");
  const column = Math.floor(me[0] / 60 / map.tileWidth);
  const row = Math.floor(me[1] / 60 / map.tileHeight);
  const ways = [
    { key: "ArrowRight", dx: 1, dy: 0 }, { key: "ArrowLeft", dx: -1, dy: 0 },
    { key: "ArrowDown", dx: 0, dy: 1 }, { key: "ArrowUp", dx: 0, dy: -1 },
  ];
  return ways.find(({ dx, dy }) => [1, 2, 3].every((n) => {
    const c = column + dx * n;
    const r = row + dy * n;
    return c >= 0 && r >= 0 && c < map.width && r < map.height && !blocked[r * map.width + c];
  }));
}

test("two players: one walks, the other sees it arrive where the server says", async () => {
  const ada = await player("Ada");
  const bob = await player("Bob");
  const adaId = (await snapshot(ada)).selfId;
  await bob.waitForFunction((id) => id in window.arkTest.snapshot().entities, adaId);
  const before = await settled(ada);
  const way = await freeWay(ada, before.me);

  // Held until she is well on her way, however slow the frames come.
  await ada.keyboard.down(way.key);
  await ada.waitForFunction(([x, y, dx, dy]) => {
    const [nx, ny] = window.arkTest.snapshot().me;
    return (nx - x) * dx + (ny - y) * dy > 60 * 48;
  }, [before.me[0], before.me[1], way.dx, way.dy]);
  await ada.keyboard.up(way.key);
  const after = await settled(ada);
  const walked = (after.me[0] - before.me[0]) * way.dx + (after.me[1] - before.me[1]) * way.dy;
  assert.ok(walked > 60 * 40, `Ada walked: ${before.me} -> ${after.me}`);
  assert.equal(after.corrections, 0);

  // Bob draws Ada a little in the past; once she stands, exactly there.
  await bob.waitForFunction(
    ([id, x, y]) => {
      const seen = window.arkTest.snapshot().entities[id];
      return seen && Math.abs(seen[0] - x) <= 1 && Math.abs(seen[1] - y) <= 1;
    },
    [adaId, after.me[0], after.me[1]],
  );
  await ada.screenshot({ path: join(artifacts, "desktop.png") });
  await ada.context().close();
  await bob.context().close();
});

test("a refresh puts the player back on the same spot", async () => {
  const ada = await player("Ada");
  const start = await settled(ada);
  const way = await freeWay(ada, start.me);
  await ada.keyboard.down(way.key);
  await ada.waitForFunction(([x, y, dx, dy]) => {
    const [nx, ny] = window.arkTest.snapshot().me;
    return (nx - x) * dx + (ny - y) * dy > 60 * 16;
  }, [start.me[0], start.me[1], way.dx, way.dy]);
  await ada.keyboard.up(way.key);
  const before = await settled(ada);
  await ada.reload();
  await inWorld(ada);
  const after = await snapshot(ada);
  assert.equal(after.selfId, before.selfId);
  assert.deepEqual(after.me, before.me);
  await ada.context().close();
});

test("the canvas shows the map", async () => {
  const ada = await player("Ada");
  // The first frames may come before the tiles: look again a few times.
  let colours = 0;
  for (let look = 0; look < 20 && colours <= 50; look++) colours = await coloursDrawn(ada);
  assert.ok(colours > 50, `only ${colours} colours drawn`);
  await ada.context().close();
});

test("the page names its own icon, and the server has it", async () => {
  const context = await world.browser.newContext();
  const page = await context.newPage();
  const asked = [];
  page.on("request", (request) => asked.push(new URL(request.url()).pathname));
  const icon = page.waitForResponse((response) => new URL(response.url()).pathname === "/favicon.svg");
  await page.goto(world.base + "/");
  const response = await icon;
  assert.equal(response.status(), 200);
  assert.equal(response.headers()["content-type"], "image/svg+xml");
  assert.match(await response.text(), /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  await page.waitForSelector("#profile:not([hidden])");
  assert.equal(asked.includes("/favicon.ico"), false, "no request for /favicon.ico");
  await context.close();
});

test("on a phone, the joystick walks the avatar", async () => {
  const phone = await player("Pip", { width: 390, height: 844 }, { hasTouch: true, isMobile: true });
  const before = await settled(phone);
  const way = await freeWay(phone, before.me);
  const touch = await phone.context().newCDPSession(phone);
  const point = (x, y) => [{ x, y, id: 1 }];
  await touch.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: point(100, 600) });
  for (let n = 1; n <= 10; n++) {
    await touch.send("Input.dispatchTouchEvent", {
      type: "touchMove", touchPoints: point(100 + way.dx * 4 * n, 600 + way.dy * 4 * n),
    });
  }
  await phone.waitForFunction(() => !document.getElementById("joystick").hidden);
  await phone.waitForTimeout(500);
  await phone.screenshot({ path: join(artifacts, "phone.png") });
  await touch.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await phone.waitForFunction(() => document.getElementById("joystick").hidden);
  const after = await settled(phone);
  const walked = (after.me[0] - before.me[0]) * way.dx + (after.me[1] - before.me[1]) * way.dy;
  assert.ok(walked > 60 * 30, `walked ${way.key}: ${before.me} -> ${after.me}`);
  assert.equal(after.corrections, 0);
  await phone.context().close();
});

test("walking into a zone shows its name, and leaving hides it", async () => {
  const ada = await player("Zed");
  // The library (96-320 x 192-384 px in maps/town.tmj), through its door.
  await walkTo(ada, 150, 260);
  await ada.waitForFunction(() => document.getElementById("place").textContent === "Library");
  assert.deepEqual((await snapshot(ada)).zones, ["library"]);
  // Nothing to do in a silent library, but talk to Chronicle, the scribe,
  // who lives there, when it wanders within reach.
  const action = await ada.isHidden("#action") ? null : await ada.textContent("#action");
  assert.ok(action === null || action === "E: Talk to Chronicle", `the action offered: ${action}`);
  await walkTo(ada, 208, 464);
  await ada.waitForFunction(() => document.getElementById("place").hidden);
  await ada.context().close();
});

test("in a room you join by acting, the action button says what E will do", async () => {
  const ada = await player("Mia");
  // Meeting room 2 (640-864 x 192-384 px in maps/town.tmj): jitsiTrigger onaction.
  await walkTo(ada, 700, 300);
  await ada.waitForFunction(() => document.getElementById("action").textContent === "E: Join meeting");
  assert.equal(await ada.isVisible("#action"), true);
  await walkTo(ada, 752, 464);
  await ada.waitForFunction(() => document.getElementById("action").hidden);
  await ada.context().close();
});

test("a dropped connection shows the reconnecting banner and resumes the same avatar", async () => {
  const ada = await player("Rae");
  const before = await settled(ada);
  // A page cannot cut its own TCP connection: the test hook has the page
  // close its socket without leaving, and go on as a browser does when
  // the network fails (1006, abnormal closure).
  assert.equal(await ada.evaluate(() => window.arkTest.dropConnection()), true);
  await ada.waitForFunction(() => document.getElementById("status-text").textContent
    === "Reconnecting… (attempt 1)");
  await ada.waitForFunction(() => document.getElementById("status").hidden);
  const after = await snapshot(ada);
  assert.equal(after.selfId, before.selfId);
  assert.deepEqual(after.me, before.me);
  // Her avatar is drawn once: the one before the drop went.
  const drawn = await ada.evaluate(() => window.arkTest.avatarsDrawn());
  assert.equal(drawn.filter((name) => name === "Rae").length, 1, `avatars drawn: ${drawn}`);
  await ada.context().close();
});

test("asking for a map the server does not have: the page says so, and never retries", async () => {
  const context = await world.browser.newContext();
  const page = await context.newPage();
  page.on("pageerror", (error) => { throw error; });
  const sockets = [];
  page.on("websocket", (socket) => sockets.push(socket));
  // The page's clock is the test's to move on (it runs as usual until then).
  await page.clock.install();
  await page.goto(world.base + "/?map=nowhere.tmj");
  await page.waitForSelector("#profile:not([hidden])");
  await page.fill("#profile-name", "Ora");
  await page.click("#profile-guest");
  await page.waitForSelector("#status:not([hidden])");
  assert.match(await page.textContent("#status-text"), /^Could not join: no map named 'nowhere\.tmj' here\.?$/i);
  assert.equal(await page.isVisible("#status-rejoin"), true);
  const state = await page.evaluate(() => window.arkTest.connectionState());
  assert.deepEqual([state.state, state.code], ["refused", "unknown_map"]);
  assert.match(state.reason, /no map named 'nowhere\.tmj' here/i);
  // Asking where to join (POST /api/join) was refused: no socket opened.
  assert.equal(sockets.length, 0);
  // A minute on, longer than every backoff together: still no socket,
  // still refused.
  await page.clock.runFor(60000);
  assert.deepEqual(await page.evaluate(() => window.arkTest.connectionState().state), "refused");
  assert.equal(sockets.length, 0);
  await context.close();
});
