// Loading a map: tilesets merged in, layers ordered around the avatars,
// the collision grid decoded, and the tilemap built once per map.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  AVATAR_DEPTH, MapLoader, fetchMapWithTilesets, flattenLayers, layerDepths, obstaclesFrom,
} from "../src/maploader.js";
import { UNITS_PER_PIXEL } from "../src/movement.js";

const PAGE = "http://ark.test/";

// fetch over a table of answers by path; remembers what was asked.
function fakeFetch(answers) {
  const asked = [];
  const fetch = async (url) => {
    const path = new URL(url, PAGE).pathname;
    asked.push(path);
    if (!(path in answers)) return { ok: false, status: 404, json: async () => ({}) };
    return { ok: true, status: 200, json: async () => structuredClone(answers[path]) };
  };
  return { fetch, asked };
}

const TOWN = {
  width: 3, height: 2, tilewidth: 32, tileheight: 32,
  tilesets: [
    { firstgid: 1, source: "tiles/town.tsj" },
    { firstgid: 100, name: "inline", image: "art/inline.png" },
  ],
  layers: [
    { type: "tilelayer", name: "ground" },
    { type: "group", name: "buildings", layers: [
      { type: "tilelayer", name: "walls" },
      { type: "objectgroup", name: "zones" },
      { type: "tilelayer", name: "hidden", visible: false },
    ] },
    { type: "tilelayer", name: "floorLayer" },
    { type: "tilelayer", name: "roofs" },
  ],
};
const TILESET = { name: "town", image: "../art/town.png", tilewidth: 32, tileheight: 32, firstgid: 7 };
// Tiles (0,0) and (2,1) blocked, in a 3 x 2 map.
const DESCRIBED = { name: "town.tmj", width: 3, height: 2, tileWidth: 32, tileHeight: 32,
  blocked: Buffer.from([1, 0, 0, 0, 0, 1]).toString("base64") };

test("external tilesets are merged in, keeping their first gid; images get absolute paths", async () => {
  const { fetch } = fakeFetch({ "/maps/town.tmj": TOWN, "/maps/tiles/town.tsj": TILESET });
  const map = await fetchMapWithTilesets(fetch, "/maps/town.tmj", PAGE);
  assert.deepEqual(map.tilesets[0], { firstgid: 1, name: "town", image: "/maps/art/town.png", tilewidth: 32, tileheight: 32 });
  assert.equal(map.tilesets[1].image, "/maps/art/inline.png");
});

test("a missing tileset fails the load with its address", async () => {
  const { fetch } = fakeFetch({ "/maps/town.tmj": TOWN });
  await assert.rejects(fetchMapWithTilesets(fetch, "/maps/town.tmj", PAGE), /town\.tsj answered 404/);
});

test("layers: groups flattened; from floorLayer on above the avatars; hidden ones not drawn", () => {
  assert.deepEqual(flattenLayers(TOWN.layers).map((layer) => layer.name),
    ["ground", "walls", "zones", "hidden", "floorLayer", "roofs"]);
  assert.deepEqual(layerDepths(TOWN), [
    { name: "ground", depth: 0 },
    { name: "walls", depth: 1 },
    { name: "floorLayer", depth: AVATAR_DEPTH * 3 + 2 },
    { name: "roofs", depth: AVATAR_DEPTH * 3 + 3 },
  ]);
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

// The parts of a Phaser scene the loader uses, recording what was done.
function fakeScene() {
  const done = [];
  const listeners = new Map();
  const scene = {
    done,
    cache: { tilemap: { add: (key, value) => done.push(["cache", key, value.format]) } },
    load: {
      image: (key, url) => done.push(["image", key, url]),
      on: (name, callback) => listeners.set(name, callback),
      off: (name) => listeners.delete(name),
      once: (name, callback) => listeners.set(name, callback),
      start: () => {
        listeners.get("progress")?.(0.5);
        listeners.get("progress")?.(1);
        listeners.get("complete")();
      },
    },
    make: {
      tilemap: ({ key }) => {
        const map = {
          key, widthInPixels: 96, heightInPixels: 64, destroyed: false,
          addTilesetImage: (name, texture) => ({ name, texture }),
          createLayer: (name, tilesets) => ({
            setDepth: (depth) => done.push(["layer", key, name, depth, tilesets.map((t) => t.texture)]),
          }),
          destroy: () => { map.destroyed = true; },
        };
        done.push(["tilemap", key]);
        return map;
      },
    },
  };
  return { scene, listeners };
}

test("loading a map builds its tilemap once, and another map replaces it", async () => {
  const cafe = { ...TOWN, tilesets: [{ firstgid: 1, name: "cafe", image: "cafe.png" }] };
  const { fetch, asked } = fakeFetch({
    "/maps/town.tmj": TOWN, "/maps/tiles/town.tsj": TILESET, "/api/maps/town.tmj": DESCRIBED,
    "/maps/cafe.tmj": cafe, "/api/maps/cafe.tmj": { ...DESCRIBED, name: "cafe.tmj" },
  });
  const { scene, listeners } = fakeScene();
  const progress = [];
  const loader = new MapLoader({ scene, tiledFormat: "TILED", fetch, pageUrl: PAGE, onProgress: (s) => progress.push(s) });
  const town = await loader.load({ map: "town.tmj", mapUrl: "/maps/town.tmj" });
  assert.equal(town.name, "town.tmj");
  assert.deepEqual([town.width, town.height], [96, 64]);
  assert.equal(town.obstacles.isBlocked(0, 0), true);
  assert.deepEqual(progress, [0.5, 1]);
  assert.equal(listeners.has("progress"), false, "the progress listener goes with its load");
  assert.deepEqual(scene.done, [
    ["image", "tiles:town", "/maps/art/town.png"],
    ["image", "tiles:inline", "/maps/art/inline.png"],
    ["cache", "map:town.tmj", "TILED"],
    ["tilemap", "map:town.tmj"],
    ["layer", "map:town.tmj", "ground", 0, ["tiles:town", "tiles:inline"]],
    ["layer", "map:town.tmj", "walls", 1, ["tiles:town", "tiles:inline"]],
    ["layer", "map:town.tmj", "floorLayer", AVATAR_DEPTH * 3 + 2, ["tiles:town", "tiles:inline"]],
    ["layer", "map:town.tmj", "roofs", AVATAR_DEPTH * 3 + 3, ["tiles:town", "tiles:inline"]],
  ]);

  // The same map again (a resumed avatar): nothing fetched or built.
  const fetched = asked.length;
  scene.done.length = 0;
  const again = await loader.load({ map: "town.tmj", mapUrl: "/maps/town.tmj" });
  assert.equal(asked.length, fetched);
  assert.deepEqual(scene.done, []);
  assert.equal(again.obstacles, town.obstacles);

  // Through a door: the cafe's tilemap replaces the town's.
  const townMap = loader.tilemap;
  const entered = await loader.load({ map: "cafe.tmj", mapUrl: "/maps/cafe.tmj" });
  assert.equal(entered.name, "cafe.tmj");
  assert.equal(townMap.destroyed, true);
  assert.equal(loader.tilemap.key, "map:cafe.tmj");
});
