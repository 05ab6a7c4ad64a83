// What Phaser 4's own Tiled parser makes of a map as the loader hands it
// over: every tile layer there under the name and in the place the
// drawing expects, groups' offsets, opacity and visibility as planned,
// flips, tileset margins and animations kept. Phaser's parser only needs a
// few browser globals to load, so it runs here for real.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import zlib from "node:zlib";

import { fetchMap } from "../src/maploader.js";
import { mapOrigin, planMap } from "../src/maplayers.js";

globalThis.navigator ??= { userAgent: "" };
globalThis.window ??= globalThis;
globalThis.Image ??= class { set src(value) {} };
globalThis.HTMLCanvasElement ??= class {};
globalThis.document ??= {
  documentElement: { style: {} },
  createElement: () => ({
    style: {},
    getContext: () => ({ getImageData: () => ({ data: [0, 0, 0, 0] }), putImageData() {}, fillRect() {}, drawImage() {} }),
  }),
};
// The package exports only its bundles; its sources are reached by path.
const require = createRequire(new URL("../node_modules/phaser/package.json", import.meta.url));
const parseTiled = require("./src/tilemaps/parsers/tiled/ParseJSONTiled.js");

const PAGE = "http://ark.test/";
const fetchFrom = (files) => async (url) => {
  const path = new URL(url, PAGE).pathname;
  return path in files
    ? { ok: true, status: 200, json: async () => structuredClone(files[path]) }
    : { ok: false, status: 404 };
};
const base64 = (gids, compress = (bytes) => bytes) =>
  Buffer.from(compress(Buffer.from(new Uint32Array(gids).buffer))).toString("base64");

const TILESET = {
  name: "town", image: "town.png", tilewidth: 16, tileheight: 32,
  imagewidth: 2 + 4 * 16 + 3 * 2 + 2, imageheight: 2 + 2 * 32 + 2 + 2,
  margin: 2, spacing: 2, tileoffset: { x: 1, y: 2 },
  tiles: [{ id: 0, animation: [{ tileid: 0, duration: 100 }, { tileid: 3, duration: 300 }] }],
};

function parse(map) {
  // Phaser leaves a tile layer it cannot read out of its list: the names
  // and places the drawing uses must be the ones Phaser has.
  const parsed = parseTiled("test", map, false);
  const plan = planMap(map).filter((item) => item.kind === "tiles");
  assert.deepEqual(parsed.layers.map((layer) => layer.name), plan.map((item) => item.name));
  return { parsed, plan };
}

test("Phaser's parser: groups, offsets, opacity, visibility, flips, margins, animations", async () => {
  const map = await fetchMap(fetchFrom({
    "/maps/a/m.tmj": {
      width: 2, height: 2, tilewidth: 16, tileheight: 16, orientation: "orthogonal", version: "1.10",
      tilesets: [{ firstgid: 1, source: "../sets/town.tsj" }],
      layers: [
        { type: "tilelayer", name: "ground", width: 2, height: 2, encoding: "base64", compression: "gzip",
          data: base64([1, 2, 3, 4], zlib.gzipSync), x: 0, y: 0, opacity: 1, visible: true },
        { type: "group", name: "floor", offsetx: 10, offsety: 20, opacity: 0.5, layers: [
          { type: "tilelayer", name: "details", width: 2, height: 2, encoding: "base64",
            data: base64([0x80000001, 0x40000002, 0xA0000003, 0]), offsetx: 1, opacity: 0.5 },
          { type: "group", name: "hidden", visible: false, layers: [
            { type: "tilelayer", name: "details", width: 2, height: 2, data: [0, 0, 0, 5] },
          ] },
        ] },
      ],
    },
    "/maps/sets/town.tsj": TILESET,
  }), "/maps/a/m.tmj", PAGE);
  const { parsed, plan } = parse(map);
  assert.deepEqual(parsed.layers.map(({ name, x, y, alpha, visible }) => ({ name, x, y, alpha, visible })),
    plan.map(({ name, x, y, alpha, visible }) => ({ name, x, y, alpha, visible })));
  assert.deepEqual(plan.map((item) => item.name), ["ground", "floor/details", "floor/hidden/details"]);
  assert.deepEqual(parsed.layers[0].data.flat().map((tile) => tile.index), [1, 2, 3, 4]);

  const [flippedX, flippedY, turned] = parsed.layers[1].data.flat();
  assert.deepEqual([flippedX.index, flippedX.flipX, flippedX.rotation], [1, true, 0]);
  assert.deepEqual([flippedY.index, flippedY.flipX, flippedY.rotation], [2, true, Math.PI]);
  assert.deepEqual([turned.index, turned.flipX, turned.rotation], [3, false, Math.PI / 2]);

  const [tileset] = parsed.tilesets;
  assert.deepEqual([tileset.tileMargin, tileset.tileSpacing, tileset.columns, tileset.rows], [2, 2, 4, 2]);
  assert.deepEqual(tileset.getTileTextureCoordinates(6), { x: 2 + 18, y: 2 + 34 });
  assert.equal(tileset.tileData[0].animationDuration, 400);
  assert.equal(tileset.getAnimatedTileId(1, 250), 4);
  // Phaser takes Tiled's offset as it is; the drawing sets its own.
  assert.deepEqual([tileset.tileOffset.x, tileset.tileOffset.y], [1, 2]);
});

test("Phaser's parser: an infinite map's chunks, zstd and all, where the plan puts them", async () => {
  const map = await fetchMap(fetchFrom({
    "/maps/i.tmj": {
      infinite: true, width: 30, height: 20, tilewidth: 16, tileheight: 16, orientation: "orthogonal", version: "1.10",
      tilesets: [{ firstgid: 1, ...TILESET, image: "/maps/sets/town.png" }],
      layers: [
        { type: "tilelayer", name: "ground", startx: -2, starty: -2, width: 4, height: 4, encoding: "base64", compression: "zstd",
          chunks: [
            // [5, 6, 7, 8] and [1, 2, 3, 4] by `zstd -19` (v1.5.4).
            { x: -2, y: -2, width: 2, height: 2, data: "KLUv/SQQgQAABQAAAAYAAAAHAAAACAAAAHU5vGM=" },
            { x: 0, y: 0, width: 2, height: 2, data: "KLUv/SQQXQAAAsEBgzER3/UcAQCmFMVu" },
          ] },
      ],
    },
  }), "/maps/i.tmj", PAGE);
  const { parsed, plan } = parse(map);
  const origin = mapOrigin(map);
  assert.deepEqual(origin, { x: -32, y: -32 });
  assert.deepEqual([parsed.layers[0].x - origin.x, parsed.layers[0].y - origin.y], [plan[0].x, plan[0].y]);
  assert.deepEqual(parsed.layers[0].data.map((row) => row.map((tile) => tile?.index ?? null)),
    [[5, 6, null, null], [7, 8, null, null], [null, null, 1, 2], [null, null, 3, 4]]);
});
