// Loading a map: tilesets merged in, every address resolved from the file
// that names it, the tile data decoded, the images loaded, the collision
// grid decoded, the drawing made once per map, what the map says about
// itself, and every failure told by what failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";

import {
  AVATAR_DEPTH, MapLoader, checkDrawable, fetchMap, fetchMapWithTilesets, mapAbout, mapImages, normalizeMap,
  obstaclesFrom, resolveUrl,
} from "../src/maploader.js";
import { UNITS_PER_PIXEL } from "../src/movement.js";

const PAGE = "http://ark.test/?map=floor1/lobby.tmj";

// fetch over a table of answers by path (a string answer is a body that
// is not JSON); remembers what was asked.
function fakeFetch(answers) {
  const asked = [];
  const fetch = async (url) => {
    const path = new URL(url, PAGE).pathname;
    asked.push(url);
    if (path === "/offline") throw new TypeError("Failed to fetch");
    if (!(path in answers)) return { ok: false, status: 404, json: async () => ({}) };
    const answer = answers[path];
    return {
      ok: true, status: 200,
      json: async () => (typeof answer === "string" ? JSON.parse(answer) : structuredClone(answer)),
    };
  };
  return { fetch, asked };
}

const ANIMATION = [{ tileid: 0, duration: 200 }, { tileid: 1, duration: 200 }];
// A map in a folder, using tilesets from another one.
const LOBBY = {
  width: 3, height: 2, tilewidth: 32, tileheight: 32, orientation: "orthogonal", version: "1.10",
  properties: [
    { name: "mapName", type: "string", value: "The lobby" },
    { name: "mapDescription", type: "string", value: "Where everyone comes in." },
    { name: "mapCopyright", type: "string", value: "CC-BY-SA 4.0, the ark team" },
    { name: "script", type: "string", value: "../scripts/lobby.js" },
  ],
  tilesets: [
    { firstgid: 1, source: "../tilesets/town.tsj" },
    { firstgid: 100, name: "inline", image: "art/inline.png", tilewidth: 32, tileheight: 32, imagewidth: 64, imageheight: 64,
      properties: [{ name: "tilesetCopyright", type: "string", value: "Public domain" }] },
    { firstgid: 200, source: "https://cdn.example/sets/far.tsj" },
  ],
  layers: [
    { type: "tilelayer", name: "ground", width: 3, height: 2, data: [1, 2, 3, 4, 5, 6] },
    { type: "group", name: "floor", layers: [
      { type: "tilelayer", name: "details", width: 3, height: 2, encoding: "base64", compression: "zlib",
        data: zlib.deflateSync(Buffer.from(new Uint32Array([0, 0x80000001, 0, 0, 100, 0]).buffer)).toString("base64") },
      { type: "imagelayer", name: "rug", image: "../images/rug.png" },
    ] },
    { type: "objectgroup", name: "floorLayer", objects: [] },
    { type: "tilelayer", name: "roofs", width: 3, height: 2, data: [0, 0, 0, 0, 0, 7] },
  ],
};
const TOWN = {
  name: "town", image: "town.png", tilewidth: 32, tileheight: 32, imagewidth: 128, imageheight: 128, margin: 1, spacing: 2,
  firstgid: 7, tiles: [{ id: 0, animation: ANIMATION }],
  properties: [{ name: "tilesetCopyright", type: "string", value: "CC0, Kenney" }],
};
const FAR = {
  name: "far", image: "far.svg", tilewidth: 32, tileheight: 64, imagewidth: 64, imageheight: 64,
  properties: [{ name: "tilesetCopyright", type: "string", value: "Public domain" }],
};
// Tiles (0,0) and (2,1) blocked, in a 3 x 2 map.
const DESCRIBED = { name: "floor1/lobby.tmj", width: 3, height: 2, tileWidth: 32, tileHeight: 32,
  blocked: Buffer.from([1, 0, 0, 0, 0, 1]).toString("base64") };
const FILES = {
  "/maps/floor1/lobby.tmj": LOBBY, "/maps/tilesets/town.tsj": TOWN, "/sets/far.tsj": FAR,
  "/api/maps/floor1%2Flobby.tmj": DESCRIBED,
};
const WELCOME = { map: "floor1/lobby.tmj", mapUrl: "/maps/floor1/lobby.tmj" };

test("addresses: relative to the file that has them, a path on this site or a whole URL elsewhere", () => {
  assert.equal(resolveUrl("../tilesets/x.tsj", "/maps/floor1/lobby.tmj", PAGE), "/maps/tilesets/x.tsj");
  assert.equal(resolveUrl("x.png", "/maps/tilesets/x.tsj", PAGE), "/maps/tilesets/x.png");
  assert.equal(resolveUrl("my tiles.png?v=2", "/maps/a.tmj", PAGE), "/maps/my%20tiles.png?v=2");
  assert.equal(resolveUrl("x.png", "https://cdn.example/sets/far.tsj", PAGE), "https://cdn.example/sets/x.png");
});

test("external tilesets are merged in, tiles and all, keeping the map's first gid; images from their files", async () => {
  const { fetch } = fakeFetch(FILES);
  const map = await fetchMapWithTilesets(fetch, "/maps/floor1/lobby.tmj", PAGE);
  assert.deepEqual(map.tilesets[0], { ...TOWN, firstgid: 1, image: "/maps/tilesets/town.png" });
  assert.deepEqual(map.tilesets[0].tiles[0].animation, ANIMATION);
  assert.equal(map.tilesets[1].image, "/maps/floor1/art/inline.png");
  assert.equal(map.tilesets[2].image, "https://cdn.example/sets/far.svg");
  assert.equal(map.layers[1].layers[1].image, "/maps/images/rug.png");
});

test("tiles of an image collection are resolved from their tileset's file", async () => {
  const { fetch } = fakeFetch({
    "/maps/a.tmj": { tilesets: [{ firstgid: 1, source: "sets/props.tsj" }], layers: [] },
    "/maps/sets/props.tsj": { name: "props", tiles: [{ id: 0, image: "../img/lamp.png" }, { id: 1 }] },
  });
  const map = await fetchMapWithTilesets(fetch, "/maps/a.tmj", PAGE);
  assert.deepEqual(map.tilesets[0].tiles, [{ id: 0, image: "/maps/img/lamp.png" }, { id: 1 }]);
});

test("fetching fails with the file's address and what it is", async () => {
  const cases = [
    [{}, "the map /maps/floor1/lobby.tmj answered 404"],
    [{ "/maps/floor1/lobby.tmj": "<html>" }, /^the map \/maps\/floor1\/lobby\.tmj is not valid JSON \(/],
    [{ "/maps/floor1/lobby.tmj": [] }, "the map /maps/floor1/lobby.tmj is not a Tiled map"],
    [{ ...FILES, "/maps/tilesets/town.tsj": undefined },
      "tileset ../tilesets/town.tsj: /maps/tilesets/town.tsj answered 404"],
    [{ ...FILES, "/maps/tilesets/town.tsj": "{" },
      /^tileset \.\.\/tilesets\/town\.tsj: \/maps\/tilesets\/town\.tsj is not valid JSON/],
    [{ ...FILES, "/maps/floor1/lobby.tmj": { ...LOBBY, tilesets: [{ firstgid: 1, source: "town.tsx" }] } },
      "tileset town.tsx: XML tilesets cannot be read here; save it from Tiled as JSON (.tsj)"],
    [{ ...FILES, "/maps/floor1/lobby.tmj": { ...LOBBY, tilesets: [{ firstgid: 1, source: "/offline" }] } },
      "tileset /offline: /offline could not be fetched (Failed to fetch)"],
  ];
  for (const [files, message] of cases) {
    const answers = Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
    await assert.rejects(fetchMapWithTilesets(fakeFetch(answers).fetch, "/maps/floor1/lobby.tmj", PAGE), (error) => {
      if (message instanceof RegExp) assert.match(error.message, message);
      else assert.equal(error.message, message);
      return true;
    });
  }
});

test("refused, as Phaser would draw them wrongly: not orthogonal, no images, collection tiles in a tile layer", () => {
  const base = { tilesets: [{ name: "t", firstgid: 1, image: "/t.png" }], layers: [] };
  assert.throws(() => checkDrawable({ ...base, orientation: "isometric" }, "/maps/iso.tmj"),
    { message: "the map /maps/iso.tmj is isometric; only orthogonal maps can be drawn" });
  assert.throws(() => checkDrawable({ ...base, tilesets: [{ name: "empty", firstgid: 1 }] }, "/m.tmj"),
    { message: "tileset 'empty' has no image" });
  const collection = { name: "props", firstgid: 10, tiles: [{ id: 2, image: "/lamp.png" }] };
  const layers = [{ type: "group", name: "g", layers: [{ type: "tilelayer", name: "deco", data: [1, 0, 0x80000000 | 12] }] }];
  assert.throws(() => checkDrawable({ ...base, tilesets: [base.tilesets[0], collection], layers }, "/m.tmj"), {
    message: "layer 'g/deco': tile 2 of the image collection 'props' cannot be drawn in a tile layer; put it in an object layer",
  });
  checkDrawable({ ...base, tilesets: [base.tilesets[0], collection], layers: [{ type: "tilelayer", name: "x", data: [1, 9] }] });
});

test("normalized for Phaser: unique tileset names, layer defaults, Tiled's version, infinite layers' extent", () => {
  const map = normalizeMap({
    infinite: true,
    tilesets: [{ name: "a", tiles: [] }, { name: "a" }, { name: "" }, { name: "a" }],
    layers: [{ type: "group", name: "g", layers: [{ type: "tilelayer", name: "t", startx: 0, width: 1, chunks: [
      { x: -16, y: 0, width: 16, height: 16 }, { x: 16, y: -32, width: 16, height: 16 },
    ] }] }],
  });
  assert.deepEqual(map.tilesets.map((t) => t.name), ["a", "a (2)", "tileset 3", "a (3)"]);
  assert.equal(map.version, "1.2");
  const [group] = map.layers;
  assert.deepEqual([group.x, group.y, group.opacity, group.visible], [0, 0, 1, true]);
  const [layer] = group.layers;
  assert.deepEqual([layer.startx, layer.starty, layer.width, layer.height], [-16, -32, 48, 48]);
  assert.equal(normalizeMap({ version: "1.10", tilesets: [{ name: "a", tiles: [] }], layers: [] }).version, "1.10");
});

test("a whole map fetched, decoded and checked; the images it needs, each once, SVGs at their size", async () => {
  const { fetch } = fakeFetch(FILES);
  const map = await fetchMap(fetch, "/maps/floor1/lobby.tmj", PAGE);
  assert.deepEqual(map.layers[1].layers[0].data, [0, 0x80000001, 0, 0, 100, 0]);
  assert.equal(map.layers[1].layers[0].compression, undefined);
  assert.deepEqual(mapImages(map), [
    { key: "image:/maps/tilesets/town.png", url: "/maps/tilesets/town.png", size: null, what: "tileset 'town'" },
    { key: "image:/maps/floor1/art/inline.png", url: "/maps/floor1/art/inline.png", size: null, what: "tileset 'inline'" },
    { key: "image:https://cdn.example/sets/far.svg@64x64", url: "https://cdn.example/sets/far.svg",
      size: { width: 64, height: 64 }, what: "tileset 'far'" },
    { key: "image:/maps/images/rug.png", url: "/maps/images/rug.png", size: null, what: "layer 'floor/rug'" },
  ]);
  const bad = structuredClone(LOBBY);
  bad.layers[1].layers[0].compression = "lzma";
  await assert.rejects(fetchMap(fakeFetch({ ...FILES, "/maps/floor1/lobby.tmj": bad }).fetch, "/maps/floor1/lobby.tmj", PAGE),
    { message: "layer 'floor/details': unknown compression 'lzma'" });
});

test("about this map: its name, description, copyrights (each once) and script", async () => {
  const map = await fetchMap(fakeFetch(FILES).fetch, "/maps/floor1/lobby.tmj", PAGE);
  assert.deepEqual(mapAbout(map, "/maps/floor1/lobby.tmj", PAGE), {
    name: "The lobby",
    description: "Where everyone comes in.",
    copyright: "CC-BY-SA 4.0, the ark team",
    tilesetCopyrights: ["CC0, Kenney", "Public domain"],
    script: "/maps/scripts/lobby.js",
  });
  // Tiled's older form of properties; nothing said is null.
  const old = { properties: { mapName: "Old", script: "https://cdn.example/s.js" }, tilesets: [{}] };
  assert.deepEqual(mapAbout(old, "/maps/o.tmj", PAGE), {
    name: "Old", description: null, copyright: null, tilesetCopyrights: [], script: "https://cdn.example/s.js",
  });
});

test("the server's collision grid: blocked tiles, and a wall all around the map", () => {
  const obstacles = obstaclesFrom(DESCRIBED);
  const blocked = [];
  for (let row = -1; row <= 2; row++) {
    for (let column = -1; column <= 3; column++) if (obstacles.isBlocked(column, row)) blocked.push(`${column},${row}`);
  }
  assert.ok(blocked.includes("0,0") && blocked.includes("2,1"));
  assert.ok(!blocked.includes("1,0") && !blocked.includes("0,1"));
  assert.ok(blocked.includes("-1,0") && blocked.includes("3,1") && blocked.includes("1,2") && blocked.includes("1,-1"));
  assert.equal(obstacles.tileWidth, 32 * UNITS_PER_PIXEL);
});

// The parts of a Phaser scene the loader uses. Images at the addresses in
// `missing` fail to load; those in `broken` load but are no image.
function fakeScene({ missing = new Set(), broken = new Set() } = {}) {
  const done = [];
  const listeners = new Map();
  const textures = new Set();
  let queue = [];
  const emit = (name, ...args) => { for (const callback of listeners.get(name) ?? []) callback(...args); };
  const scene = {
    done, listeners, textures, missing, broken,
    cache: { tilemap: { add: (key) => done.push(["cache", key]), remove: () => {} } },
    textures: {
      exists: (key) => textures.has(key),
      get: () => ({ has: () => false, add: () => {} }),
    },
    load: {
      image: (key, url) => { done.push(["image", key, url]); queue.push({ key, url }); },
      svg: (key, url, size) => { done.push(["svg", key, url, size]); queue.push({ key, url }); },
      on: (name, callback) => listeners.set(name, [...(listeners.get(name) ?? []), callback]),
      off: (name, callback) => listeners.set(name, (listeners.get(name) ?? []).filter((c) => c !== callback)),
      once: (name, callback) => {
        const once = (...args) => { scene.load.off(name, once); callback(...args); };
        scene.load.on(name, once);
      },
      start: () => {
        const files = queue;
        queue = [];
        files.forEach((file, i) => {
          if (missing.has(file.url)) emit("loaderror", { ...file, xhrLoader: { status: 404 } });
          else if (!broken.has(file.url)) textures.add(file.key);
          emit("progress", (i + 1) / files.length);
        });
        emit("complete");
      },
    },
    add: {
      image: () => fakeObject(done, "object", "image"),
      text: () => fakeObject(done, "object", "text"),
    },
    make: {
      tilemap: ({ key }) => {
        const map = {
          key, width: 3, height: 2, destroyed: false,
          addTilesetImage: (name) => ({ name, tileOffset: { set() {} } }),
          createLayer: (index) => fakeObject(done, "layer", key, index),
          destroy: () => { map.destroyed = true; },
        };
        done.push(["tilemap", key]);
        return map;
      },
    },
  };
  return scene;
}

function fakeObject(done, ...what) {
  const object = { destroy() {} };
  const setters = ["setDepth", "setVisible", "setAlpha", "setScrollFactor", "setCullPadding", "setOrigin", "setPosition", "setAngle"];
  for (const name of setters) {
    object[name] = (...args) => {
      if (name === "setDepth") done.push([...what, ...args]);
      return object;
    };
  }
  object.height = 10;
  return object;
}

const layersDrawn = (done) => done.filter(([kind]) => kind === "layer").map(([, , index, depth]) => [index, depth]);

test("loading a map draws it once with its images and depths; the same map again costs nothing", async () => {
  const { fetch, asked } = fakeFetch(FILES);
  const scene = fakeScene();
  const progress = [];
  const loader = new MapLoader({ scene, tiledFormat: "TILED", fetch, pageUrl: PAGE, onProgress: (s) => progress.push(s) });
  const lobby = await loader.load(WELCOME);
  assert.equal(lobby.name, "floor1/lobby.tmj");
  assert.deepEqual([lobby.width, lobby.height], [96, 64]);
  assert.equal(lobby.obstacles.isBlocked(0, 0), true);
  assert.equal(lobby.about.name, "The lobby");
  assert.deepEqual(progress, [0.25, 0.5, 0.75, 1]);
  assert.ok([...scene.listeners.values()].every((callbacks) => callbacks.length === 0), "the listeners go with their load");
  assert.deepEqual(scene.done.filter(([kind]) => kind === "image" || kind === "svg").map(([kind, , url]) => [kind, url]), [
    ["image", "/maps/tilesets/town.png"],
    ["image", "/maps/floor1/art/inline.png"],
    ["svg", "https://cdn.example/sets/far.svg"],
    ["image", "/maps/images/rug.png"],
  ]);
  assert.deepEqual(scene.done.find(([kind]) => kind === "svg")[3], { width: 64, height: 64 });
  assert.deepEqual(layersDrawn(scene.done), [[0, 0], [1, 1], [2, AVATAR_DEPTH * 3 + 4]]);
  assert.equal(loader.tilemap.key, "map:floor1/lobby.tmj");

  // The same map again (a resumed avatar): nothing fetched or built.
  const fetched = asked.length;
  scene.done.length = 0;
  const again = await loader.load(WELCOME);
  assert.equal(asked.length, fetched);
  assert.deepEqual(scene.done, []);
  assert.equal(again.obstacles, lobby.obstacles);
  assert.equal(again.about, lobby.about);
});

test("through a door: the new map replaces the old; images already in are not loaded again", async () => {
  const cafe = { ...LOBBY, properties: [], tilesets: [{ firstgid: 1, source: "../tilesets/town.tsj" }],
    layers: [LOBBY.layers[0]] };
  const { fetch } = fakeFetch({ ...FILES, "/maps/floor2/cafe.tmj": cafe,
    "/api/maps/floor2%2Fcafe.tmj": { ...DESCRIBED, width: 4 } });
  const scene = fakeScene();
  const loader = new MapLoader({ scene, tiledFormat: "TILED", fetch, pageUrl: PAGE });
  await loader.load(WELCOME);
  const lobbyMap = loader.tilemap;
  scene.done.length = 0;
  const entered = await loader.load({ map: "floor2/cafe.tmj", mapUrl: "/maps/floor2/cafe.tmj" });
  assert.equal(entered.name, "floor2/cafe.tmj");
  assert.equal(entered.width, 128);
  assert.deepEqual(entered.about, { name: null, description: null, copyright: null,
    tilesetCopyrights: ["CC0, Kenney"], script: null });
  assert.equal(lobbyMap.destroyed, true);
  assert.equal(loader.tilemap.key, "map:floor2/cafe.tmj");
  assert.equal(scene.done.filter(([kind]) => kind === "image").length, 0);
});

test("an image that does not load fails the load, naming it and what uses it; the map drawn before stays", async () => {
  const { fetch } = fakeFetch(FILES);
  const scene = fakeScene({ missing: new Set(["/maps/floor1/art/inline.png"]) });
  const loader = new MapLoader({ scene, tiledFormat: "TILED", fetch, pageUrl: PAGE });
  await assert.rejects(loader.load(WELCOME),
    { message: "tileset 'inline': its image /maps/floor1/art/inline.png could not be loaded (it answered 404)" });
  assert.equal(loader.tilemap, null);
  assert.ok([...scene.listeners.values()].every((callbacks) => callbacks.length === 0));

  // Once the file is there, trying again works.
  scene.missing.clear();
  assert.equal((await loader.load(WELCOME)).name, "floor1/lobby.tmj");
  const lobbyMap = loader.tilemap;

  // A file that loads but is no image; the lobby stays drawn.
  scene.broken.add("/maps/images/rug2.png");
  const other = structuredClone(LOBBY);
  other.layers[1].layers[1].image = "../images/rug2.png";
  const { fetch: fetch2 } = fakeFetch({ ...FILES, "/maps/floor1/other.tmj": other, "/api/maps/floor1%2Fother.tmj": DESCRIBED });
  loader.fetch = fetch2;
  await assert.rejects(loader.load({ map: "floor1/other.tmj", mapUrl: "/maps/floor1/other.tmj" }),
    { message: "layer 'floor/rug': its image /maps/images/rug2.png could not be loaded" });
  assert.equal(loader.tilemap, lobbyMap);
  assert.equal(lobbyMap.destroyed, false);
  assert.equal(loader.name, "floor1/lobby.tmj");
});

test("a collision grid that cannot be had fails the load with its address", async () => {
  const { "/api/maps/floor1%2Flobby.tmj": _, ...files } = FILES;
  const loader = new MapLoader({ scene: fakeScene(), tiledFormat: "TILED", fetch: fakeFetch(files).fetch, pageUrl: PAGE });
  await assert.rejects(loader.load(WELCOME), { message: "the collision grid /api/maps/floor1%2Flobby.tmj answered 404" });
});
