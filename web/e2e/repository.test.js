// End to end: a WorkAdventure-style map repository (tests/maps/repo, made
// by tools/make_testmaps.py) served by a real `twistd ark` and drawn by
// real headless Chromium. The default map sits in a subfolder and takes
// its tilesets from one folder up; what the player must see is checked
// pixel by pixel at known places on the screen, with the tileset's own
// colours: each tile of the test tileset is one flat colour, and the
// arrow tile has a red marker in its top-left corner and a dark bar along
// its top edge, so every flip and turn puts them somewhere else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { artifacts, inWorld, serverAndBrowser, settled, signInAsGuest, snapshot, walkTo } from "./support.js";

const repository = fileURLToPath(new URL("../../tests/maps/repo", import.meta.url));
const world = serverAndBrowser(["--maps-dir", repository, "--map", "floor1/lobby.tmj",
  "--sign-in-limit", "100"]);

const TILE = 32;
const VIEWPORT = { width: 1280, height: 720 };

// tools/make_testmaps.py's colours.
const FLOOR = [96, 128, 96];
const ARROW = [236, 236, 236];
const MARKER = [216, 24, 24];
const BAR = [24, 40, 24];
const HIDDEN = [255, 0, 255];
const ROOF = [40, 64, 208];
const GLOW = [[244, 216, 32], [32, 216, 244]];
const GROUP = [244, 140, 24];
const TALL_TOP = [24, 200, 88];
const TALL_BOTTOM = [16, 72, 40];
const SIGN = [200, 24, 160];

const guest = (name, { path = "/" } = {}) => signInAsGuest(world, name, { path, viewport: VIEWPORT });

// In the world, with the chat put away so that the whole game shows.
async function inLobby(name) {
  const page = await guest(name);
  await inWorld(page);
  await page.click("#chat-close");
  await page.waitForSelector("#chat", { state: "hidden" });
  return page;
}

// The colours the page shows at world points ([x, y] in px), read from one
// screenshot of the game's canvas.
async function coloursAt(page, points) {
  const onPage = await page.evaluate((wanted) => wanted.map(([x, y]) => window.arkTest.pagePointAt(x, y)), points);
  const canvas = await page.locator("#game canvas").boundingBox();
  const png = await page.locator("#game canvas").screenshot();
  return page.evaluate(async ({ data, at }) => {
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const copy = document.createElement("canvas");
    copy.width = image.width;
    copy.height = image.height;
    const context = copy.getContext("2d");
    context.drawImage(image, 0, 0);
    return at.map(([x, y]) => [...context.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3)]);
  }, { data: png.toString("base64"), at: onPage.map(({ x, y }) => [x - canvas.x, y - canvas.y]) });
}

const near = (colour, wanted) => colour.every((value, i) => Math.abs(value - wanted[i]) <= 16);

function assertColour(colour, wanted, what) {
  assert.ok(near(colour, wanted), `${what}: expected rgb(${wanted}), the page shows rgb(${colour})`);
}

// A point inside tile (column, row): dx, dy in px from its top-left.
const inTile = ([column, row], dx = TILE / 2, dy = TILE / 2) => [column * TILE + dx, row * TILE + dy];

// Where the arrow's red marker (centre (9, 9)) and dark bar (centre
// (24, 5)) land in a 32 px tile once Tiled's flip bits are applied.
const ARROW_FORMS = {
  plain: { at: [4, 3], marker: [9, 9], bar: [24, 5] },
  "flipped-h": { at: [6, 3], marker: [22, 9], bar: [7, 5] },
  "flipped-v": { at: [8, 3], marker: [9, 22], bar: [24, 26] },
  "rotated-90": { at: [10, 3], marker: [22, 9], bar: [26, 24] },
  "rotated-180": { at: [12, 3], marker: [22, 22], bar: [7, 26] },
};

async function screenshot(page, name) {
  await page.screenshot({ path: join(artifacts, `repository-${name}.png`) });
}

test("the lobby in a subfolder is drawn as Tiled draws it", async () => {
  const page = await inLobby("Ada");
  await settled(page);
  assert.equal((await snapshot(page)).map, "floor1/lobby.tmj");
  await screenshot(page, "lobby");

  const checks = [];
  for (const [name, form] of Object.entries(ARROW_FORMS)) {
    checks.push([`${name} arrow's marker`, inTile(form.at, ...form.marker), MARKER]);
    checks.push([`${name} arrow's bar`, inTile(form.at, ...form.bar), BAR]);
    // The corner opposite the marker is plain arrow colour in every form.
    const opposite = form.marker.map((v) => TILE - 1 - v);
    checks.push([`${name} arrow's far corner`, inTile(form.at, ...opposite), ARROW]);
  }
  for (const tile of [[9, 8], [10, 8], [12, 8]]) {
    checks.push([`hidden layer's tile ${tile}`, inTile(tile), FLOOR]);
  }
  checks.push(["the group's child layer (furniture/rug)", inTile([2, 10]), GROUP]);
  // The 32x64 tile painted at (16, 4) stands on its cell and reaches up
  // into the one above, as in Tiled.
  checks.push(["the tall tile's top half, a row up", inTile([16, 3]), TALL_TOP]);
  checks.push(["the tall tile's bottom half, on its cell", inTile([16, 4]), TALL_BOTTOM]);
  checks.push(["below the tall tile", inTile([16, 5]), FLOOR]);
  checks.push(["the SVG tileset's tile", inTile([18, 3]), SIGN]);
  checks.push(["the zlib-compressed floor", inTile([12, 5]), FLOOR]);

  const colours = await coloursAt(page, checks.map(([, point]) => point));
  checks.forEach(([what, , wanted], i) => assertColour(colours[i], wanted, what));
  await page.context().close();
});

test("the animated tile changes on screen", async () => {
  const page = await inLobby("Grace");
  await settled(page);
  const glow = inTile([14, 3]);
  const seen = new Set();
  const deadline = Date.now() + 10000;
  while (seen.size < 2 && Date.now() < deadline) {
    const [colour] = await coloursAt(page, [glow]);
    const frame = GLOW.findIndex((wanted) => near(colour, wanted));
    assert.notEqual(frame, -1, `the animated tile shows rgb(${colour}), none of its frames`);
    seen.add(frame);
  }
  assert.equal(seen.size, 2, "the animated tile never showed its second frame");
  await page.context().close();
});

test("the roof above floorLayer covers the avatar walking under it", async () => {
  const page = await inLobby("Linus");
  const before = await settled(page);
  const [avatarThere] = await coloursAt(page, [[before.me[0] / 60, before.me[1] / 60 - 8]]);
  assert.ok(!near(avatarThere, FLOOR), "the avatar is drawn over the floor");
  const under = await walkTo(page, 5 * TILE + 16, 11 * TILE + 16);
  const [x, y] = [under.me[0] / 60, under.me[1] / 60];
  const colours = await coloursAt(page, [[x, y - 4], [x, y - 12], [x - 4, y - 8]]);
  await screenshot(page, "under-the-roof");
  colours.forEach((colour) => assertColour(colour, ROOF, "the roof where the avatar stands"));
  await page.context().close();
});

test("a door in the subfolder leads to the entry of the map one folder up, and back", async () => {
  const page = await inLobby("Barbara");
  await settled(page);
  await walkTo(page, 22 * TILE + 16, 2 * TILE + 16);
  await page.waitForFunction(() => window.arkTest.snapshot()?.map === "hall.tmj");
  const arrived = await settled(page);
  // The area from-lobby is tiles (3, 5) to (4, 6); steps already on their
  // way when the door took the player go on from there, up to a tile.
  const [x, y] = [arrived.me[0] / 60 / TILE, arrived.me[1] / 60 / TILE];
  assert.ok(x >= 2 && x < 6 && y >= 4 && y < 8, `landed at tile (${x}, ${y}), not by the hall's area from-lobby`);
  await screenshot(page, "hall");
  await walkTo(page, 1 * TILE + 16, 5 * TILE + 16);
  await page.waitForFunction(() => window.arkTest.snapshot()?.map === "floor1/lobby.tmj");
  const back = await settled(page);
  const [bx, by] = [back.me[0] / 60 / TILE, back.me[1] / 60 / TILE];
  assert.ok(bx >= 19 && bx < 23 && by >= 6 && by < 10, `came back at tile (${bx}, ${by}), not by from-hall`);
  await page.context().close();
});

test("the info board's website opens in its panel and closes on leaving", async () => {
  const page = await inLobby("Margaret");
  await settled(page);
  await walkTo(page, 10 * TILE + 16, 12 * TILE + 16);
  await page.waitForSelector("#website:not([hidden]) iframe");
  const frame = page.locator("#website iframe");
  const src = await frame.getAttribute("src");
  assert.equal(new URL(src).pathname, "/maps/pages/info.html", "the page is resolved from the map's folder");
  assert.equal(await frame.getAttribute("allow"), "fullscreen");
  assert.doesNotMatch(await frame.getAttribute("sandbox"), /allow-same-origin/);
  const board = page.frames().find((f) => f.url().endsWith("/maps/pages/info.html"));
  assert.ok(board, "the frame loaded the page");
  await board.waitForSelector("h1");
  assert.equal(await board.textContent("h1"), "Information board");
  // openWebsiteWidth: 40, a share of the screen's width.
  const panel = await page.locator("#website").boundingBox();
  assert.ok(Math.abs(panel.width - 0.4 * VIEWPORT.width) < 40, `the panel is ${panel.width} px wide`);
  await screenshot(page, "website");
  await walkTo(page, 10 * TILE + 16, 9 * TILE + 16);
  await page.waitForSelector("#website", { state: "hidden" });
  await page.context().close();
});

test("the stage frames the camera, and a door to another server is offered as a link", async () => {
  const page = await inLobby("Hedy");
  await settled(page);
  const normal = await page.evaluate(() => window.arkTest.visibleWorld());
  await walkTo(page, 15 * TILE + 16, 11 * TILE + 16);
  // The stage: tiles (13, 9) to (17, 12), 160 x 128 px.
  const stage = [13 * TILE, 9 * TILE, 5 * TILE, 4 * TILE];
  await page.waitForFunction(([x, y, w, h]) => {
    const [vx, vy, vw, vh] = window.arkTest.visibleWorld();
    return vx <= x && vy <= y && vx + vw >= x + w && vy + vh >= y + h && vw < 640;
  }, stage);
  const framed = await page.evaluate(() => window.arkTest.visibleWorld());
  assert.ok(framed[2] < normal[2], `the view narrows on the stage: ${framed} after ${normal}`);
  await screenshot(page, "stage");
  await walkTo(page, 1 * TILE + 16, 14 * TILE + 16);
  await page.waitForSelector("#link-offer:not([hidden])");
  assert.equal(await page.getAttribute("#link-offer-anchor", "href"), "https://play.workadventu.re/@/example/world/plaza");
  const after = await page.evaluate(() => window.arkTest.visibleWorld());
  assert.equal(after[2], normal[2], "off the stage the camera follows the player again");
  await walkTo(page, 3 * TILE + 16, 12 * TILE + 16);
  await page.waitForSelector("#link-offer", { state: "hidden" });
  await page.context().close();
});

test("the about panel says what the map says, and that its script does not run", async () => {
  const page = await inLobby("Katherine");
  await page.click("#about-toggle");
  await page.waitForSelector("#about:not([hidden])");
  assert.equal(await page.textContent("#about-name"), "The lobby");
  const body = await page.textContent("#about-body");
  assert.match(body, /A test map in a subfolder/);
  assert.match(body, /Generated by tools\/make_testmaps\.py, CC0/);
  assert.match(body, /Pattern tiles: drawn by tools\/make_testmaps\.py, CC0/);
  assert.match(body, /do not run in ark/);
  await screenshot(page, "about");
  await page.context().close();
});

test("a map whose tileset image is missing says so instead of loading forever", async () => {
  const page = await guest("Frances", { path: "/?map=broken/missing-image.tmj" });
  await page.waitForFunction(() => /lost/.test(document.getElementById("loading-text")?.textContent ?? ""));
  const message = await page.textContent("#loading-text");
  assert.match(message, /tileset 'lost'/);
  assert.match(message, /\/maps\/tilesets\/lost\.png/);
  assert.ok(await page.isVisible("#loading"), "the loading screen shows the error");
  assert.equal(await page.evaluate(() => window.arkTest.ready()), false);
  await screenshot(page, "broken-tileset");
  await page.context().close();
});
