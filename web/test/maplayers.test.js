// Drawing a map as Tiled shows it: depth around the avatars, groups'
// offsets, opacity, visibility and parallax, tiles bigger than the grid,
// image layers, text and tile objects.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  AVATAR_DEPTH, cssColor, cullPadding, drawMap, imageKey, mapOrigin, planMap, textStyle, tileFrame,
  tileObjectImage, tileOf, tilesetOffset,
} from "../src/maplayers.js";

const ABOVE = AVATAR_DEPTH * 3;
const tiles = (name, fields = {}) => ({ type: "tilelayer", name, width: 2, height: 2, data: [1, 0, 0, 1], ...fields });
const objects = (name, list = [], fields = {}) => ({ type: "objectgroup", name, objects: list, ...fields });
const group = (name, layers, fields = {}) => ({ type: "group", name, layers, ...fields });
const summary = (plan) => plan.map(({ kind, name, depth }) => [kind, name, depth]);

test("depth: under the avatars up to the top-level floorLayer object layer, over them after it", () => {
  const plan = planMap({ layers: [
    tiles("ground"),
    group("house", [tiles("walls"), objects("floorLayer"), tiles("furniture")]),
    tiles("floorLayer"),
    objects("floorLayer"),
    tiles("roofs"),
    group("trees", [tiles("tops")]),
  ] });
  assert.deepEqual(summary(plan), [
    ["tiles", "ground", 0],
    ["tiles", "house/walls", 1],
    // A floorLayer in a group, or one that is a tile layer, marks nothing.
    ["tiles", "house/furniture", 3],
    ["tiles", "floorLayer", 4],
    ["tiles", "roofs", ABOVE + 6],
    ["tiles", "trees/tops", ABOVE + 7],
  ]);
  assert.ok(plan.filter((item) => item.depth < ABOVE).every((item) => item.depth < AVATAR_DEPTH));
});

test("depth: without a floorLayer nothing is over the avatars", () => {
  const plan = planMap({ layers: [tiles("ground"), group("g", [objects("floorLayer")]), tiles("roofs")] });
  assert.deepEqual(summary(plan), [["tiles", "ground", 0], ["tiles", "roofs", 2]]);
});

test("offsets, opacity, visibility and parallax go through groups; tile layers keep their place in Phaser's list", () => {
  const plan = planMap({ layers: [
    tiles("ground", { offsetx: 3, offsety: -2, opacity: 0.5 }),
    group("house", [
      tiles("walls", { offsetx: 1, opacity: 0.5, parallaxx: 0.5 }),
      group("inside", [tiles("hidden", { visible: false }), tiles("rugs", { offsety: 4 })], { parallaxy: 2, offsetx: 100 }),
    ], { offsetx: 10, offsety: 20, opacity: 0.8, parallaxx: 0.5, parallaxy: 0.5 }),
    group("off", [tiles("still-off")], { visible: false }),
  ] });
  const view = plan.map(({ name, index, x, y, alpha, visible, scrollX, scrollY }) =>
    [name, index, x, y, +alpha.toFixed(3), visible, scrollX, scrollY]);
  assert.deepEqual(view, [
    ["ground", 0, 3, -2, 0.5, true, 1, 1],
    ["house/walls", 1, 11, 20, 0.4, true, 0.25, 0.5],
    ["house/inside/hidden", 2, 110, 20, 0.8, false, 0.5, 1],
    ["house/inside/rugs", 3, 110, 24, 0.8, true, 0.5, 1],
    ["off/still-off", 4, 0, 0, 1, false, 1, 1],
  ]);
});

test("an infinite map is drawn from its top-left chunk, where the server's grid starts", () => {
  const map = { infinite: true, tilewidth: 16, tileheight: 8, layers: [
    tiles("ground", { startx: -4, starty: -8, chunks: [
      { x: -4, y: -8, width: 4, height: 4 }, { x: 0, y: 0, width: 4, height: 4 },
    ] }),
    group("g", [tiles("far", { startx: -12, starty: 0, offsetx: 5, chunks: [{ x: -12, y: 0, width: 4, height: 4 }] })]),
    { type: "imagelayer", name: "sky", image: "/maps/sky.png", offsetx: 1, offsety: 2 },
  ] };
  assert.deepEqual(mapOrigin(map), { x: -192, y: -64 });
  assert.deepEqual(planMap(map).map(({ name, x, y }) => [name, x, y]),
    [["ground", 128, 0], ["g/far", 5, 64], ["sky", 193, 66]]);
  assert.deepEqual(mapOrigin({ layers: map.layers, tilewidth: 16, tileheight: 8 }), { x: 0, y: 0 });
});

test("image layers, text and tile objects are listed with their layer's place; objects top-down unless in index order", () => {
  const text = (id, y, fields = {}) => ({ id, x: 1, y, width: 50, height: 20, text: { text: `t${id}` }, ...fields });
  const plan = planMap({ layers: [
    { type: "imagelayer", name: "sky", image: "/maps/sky.svg", imagewidth: 64, imageheight: 32, parallaxx: 0.2, opacity: 0.5 },
    { type: "imagelayer", name: "empty", image: "" },
    objects("labels", [text(1, 50), text(2, 10), { id: 3, x: 0, y: 5, width: 10, height: 10 }, text(4, 30, { visible: false })],
      { offsetx: 7 }),
    objects("signs", [text(5, 50), { id: 6, gid: 3, x: 0, y: 10 }], { draworder: "index", visible: false }),
  ] });
  assert.deepEqual(plan.map(({ kind, name, depth, x, visible, object }) => [kind, name, depth, x, visible, object?.id]), [
    ["image", "sky", 0, 0, true, undefined],
    ["text", "labels", 2, 7, true, 2],
    ["text", "labels", 2, 7, false, 4],
    ["text", "labels", 2, 7, true, 1],
    ["text", "signs", 3, 0, false, 5],
    ["tile", "signs", 3, 0, false, 6],
  ]);
  assert.deepEqual([plan[0].url, plan[0].size, plan[0].alpha, plan[0].scrollX],
    ["/maps/sky.svg", { width: 64, height: 32 }, 0.5, 0.2]);
});

test("tiles bigger than the grid stand on their cell's bottom-left, moved by Tiled's tileoffset", () => {
  const map = { tilewidth: 32, tileheight: 32 };
  assert.deepEqual(tilesetOffset({ tilewidth: 32, tileheight: 32 }, map), { x: -0, y: 0 });
  assert.deepEqual(tilesetOffset({ tilewidth: 64, tileheight: 96 }, map), { x: -0, y: 64 });
  // Tiled's offset moves right and down; Phaser's tileOffset the other way.
  assert.deepEqual(tilesetOffset({ tilewidth: 32, tileheight: 64, tileoffset: { x: 4, y: 8 } }, map), { x: -4, y: 24 });
  assert.deepEqual(tilesetOffset({ tilewidth: 16, tileheight: 16 }, map), { x: -0, y: -16 });

  assert.deepEqual(cullPadding({ ...map, tilesets: [{ image: "a.png", tilewidth: 32, tileheight: 32 }] }), { x: 1, y: 1 });
  assert.deepEqual(cullPadding({ ...map, tilesets: [
    { image: "a.png", tilewidth: 32, tileheight: 32 },
    { image: "tree.png", tilewidth: 96, tileheight: 128 },
    { tiles: [], tilewidth: 320, tileheight: 320 },
  ] }), { x: 2, y: 3 });
  assert.deepEqual(cullPadding({ ...map, tilesets: [
    { image: "a.png", tilewidth: 32, tileheight: 32, tileoffset: { x: -70, y: 100 } },
  ] }), { x: 3, y: 4 });
});

test("tiles: which tileset has an id, and where a tile is in an image with margin and spacing", () => {
  const map = { tilesets: [{ name: "b", firstgid: 50 }, { name: "a", firstgid: 1 }] };
  assert.deepEqual(tileOf(map, 49), { tileset: map.tilesets[1], id: 48 });
  assert.deepEqual(tileOf(map, 0x80000000 | 52), { tileset: map.tilesets[0], id: 2 });
  assert.equal(tileOf(map, 0), null);
  assert.equal(tileOf({ tilesets: [{ firstgid: 10 }] }, 3), null);
  const tileset = { tilewidth: 16, tileheight: 24, margin: 2, spacing: 1, imagewidth: 2 + 16 * 3 + 2 + 2, imageheight: 100 };
  assert.deepEqual(tileFrame(tileset, 4), { x: 2 + 17, y: 2 + 25, width: 16, height: 24 });
  assert.deepEqual(tileFrame({ ...tileset, columns: 2 }, 4), { x: 2, y: 2 + 50, width: 16, height: 24 });
});

test("text objects: Tiled's colours, fonts, alignment and defaults", () => {
  assert.equal(cssColor("#ff8000"), "#ff8000");
  assert.equal(cssColor("#80ff0000"), "rgba(255, 0, 0, 0.502)");
  assert.equal(cssColor(undefined), "#000000");
  assert.deepEqual(textStyle({ width: 80, height: 20, text: { text: "Hi" } }), {
    style: { fontFamily: "sans-serif", fontSize: "16px", fontStyle: "", color: "#000000", align: "left", fixedWidth: 80 },
    valign: 0,
  });
  assert.deepEqual(textStyle({ width: 80, height: 20, text: {
    text: "Hi", fontfamily: "Serif", pixelsize: 9, bold: true, italic: true, color: "#00ff00",
    halign: "center", valign: "bottom", wrap: true,
  } }), {
    style: { fontFamily: "Serif", fontSize: "9px", fontStyle: "bold italic", color: "#00ff00", align: "center",
      fixedWidth: 80, wordWrap: { width: 80, useAdvancedWrap: true } },
    valign: 1,
  });
});

test("tile objects: frame, anchor by objectalignment, size, flips; tiles of image collections", () => {
  const map = { tilesets: [
    { name: "t", firstgid: 1, image: "/t.png", tilewidth: 16, tileheight: 32, imagewidth: 64, imageheight: 64, columns: 4 },
    { name: "c", firstgid: 9, objectalignment: "center", tileoffset: { x: 2, y: 3 }, tiles: [
      { id: 1, image: "/tree.svg", imagewidth: 40, imageheight: 80 },
    ] },
  ] };
  assert.deepEqual(tileObjectImage(map, { gid: 0x80000006, x: 0, y: 0, width: 0, height: 0 }), {
    key: "image:/t.png", frame: { name: "tile:5", x: 16, y: 32, width: 16, height: 32 },
    originX: 0, originY: 1, offsetX: 0, offsetY: 0, width: 16, height: 32, flipX: true, flipY: false,
  });
  assert.deepEqual(tileObjectImage(map, { gid: 0x40000000 | 10, x: 0, y: 0, width: 20, height: 40 }), {
    key: "image:/tree.svg@40x80", frame: null,
    originX: 0.5, originY: 0.5, offsetX: 2, offsetY: 3, width: 20, height: 40, flipX: false, flipY: true,
  });
  assert.equal(tileObjectImage(map, { gid: 11 }), null);
  assert.equal(imageKey("/a.png"), "image:/a.png");
});

// A Phaser game object that records what was set on it.
function fakeObject(kind, fields = {}) {
  const object = { kind, ...fields, set: {}, destroyed: false, destroy() { object.destroyed = true; } };
  for (const name of ["setDepth", "setVisible", "setAlpha", "setScrollFactor", "setCullPadding", "setOrigin",
    "setDisplaySize", "setFlip", "setAngle", "setPosition"]) {
    object[name] = (...args) => { object.set[name] = args; return object; };
  }
  return object;
}

function fakeScene() {
  const made = [];
  const frames = [];
  const scene = {
    made, frames, cached: new Map(),
    cache: { tilemap: {
      add: (key, value) => scene.cached.set(key, value),
      remove: (key) => scene.cached.delete(key),
    } },
    textures: { get: (key) => ({
      has: (name) => frames.some(([k, n]) => k === key && n === name),
      add: (...args) => frames.push([key, ...args]),
    }) },
    add: {
      image: (x, y, key, frame) => { const o = fakeObject("image", { x, y, key, frame }); made.push(o); return o; },
      text: (x, y, text, style) => {
        const o = fakeObject("text", { x, y, text, style, height: 12 });
        made.push(o);
        return o;
      },
    },
    make: {
      tilemap: ({ key }) => {
        scene.parsed = scene.cached.get(key);
        const tilemap = {
          key, destroyed: false, tilesets: [],
          addTilesetImage: (name, texture) => {
            const tileset = { name, texture, tileOffset: { set(x, y) { tileset.offset = [x, y]; } } };
            tilemap.tilesets.push(tileset);
            return name === "broken" ? null : tileset;
          },
          createLayer: (index, tilesets, x, y) => {
            const o = fakeObject("layer", { index, tilesets: tilesets.map((t) => t.texture), x, y });
            made.push(o);
            return o;
          },
          destroy: () => { tilemap.destroyed = true; },
        };
        scene.tilemap = tilemap;
        return tilemap;
      },
    },
  };
  return scene;
}

const DRAWN = {
  width: 2, height: 2, tilewidth: 32, tileheight: 32,
  tilesets: [
    { name: "floor", firstgid: 1, image: "/maps/floor.png", tilewidth: 32, tileheight: 32, imagewidth: 64, imageheight: 64 },
    { name: "trees", firstgid: 5, image: "/maps/trees.svg", tilewidth: 32, tileheight: 96, imagewidth: 128, imageheight: 96,
      columns: 4 },
    { name: "props", firstgid: 9, tiles: [{ id: 0, image: "/maps/lamp.png", imagewidth: 8, imageheight: 24 }] },
  ],
  layers: [
    { type: "imagelayer", name: "sky", image: "/maps/sky.png", parallaxx: 0.5, parallaxy: 0.5, offsetx: 4 },
    tiles("ground"),
    group("g", [tiles("hidden", { visible: false })], { opacity: 0.5 }),
    objects("floorLayer", [
      { id: 1, x: 10, y: 20, width: 100, height: 40, rotation: 90, text: { text: "Welcome", valign: "bottom" } },
      { id: 2, gid: 0x80000006, x: 0, y: 64, width: 32, height: 96 },
      { id: 3, gid: 6, x: 32, y: 64, width: 32, height: 96 },
      { id: 4, gid: 9, x: 5, y: 70, width: 0, height: 0 },
    ]),
    tiles("roofs"),
  ],
};

test("drawMap: tilesets placed, every tile layer made by its place with its position, look and depth", () => {
  const scene = fakeScene();
  const drawing = drawMap(scene, { map: DRAWN, key: "map:town.tmj", tiledFormat: "TILED" });
  assert.equal(scene.parsed.data, DRAWN);
  assert.equal(scene.parsed.format, "TILED");
  assert.equal(scene.cached.size, 0, "the parsed map is not kept twice");
  assert.deepEqual(drawing.tilemap.tilesets.map((t) => [t.name, t.texture, t.offset]), [
    ["floor", "image:/maps/floor.png", [-0, 0]],
    ["trees", "image:/maps/trees.svg@128x96", [-0, 64]],
  ]);
  const layers = scene.made.filter((o) => o.kind === "layer");
  assert.deepEqual(layers.map((o) => [o.index, o.x, o.y, o.set.setDepth[0], o.set.setVisible[0], o.set.setAlpha[0]]), [
    [0, 0, 0, 1, true, 1],
    [1, 0, 0, 2, false, 0.5],
    [2, 0, 0, ABOVE + 4, true, 1],
  ]);
  assert.deepEqual(layers[0].tilesets, ["image:/maps/floor.png", "image:/maps/trees.svg@128x96"]);
  // The trees stand two cells above their own.
  assert.deepEqual(layers[0].set.setCullPadding, [1, 2]);
  assert.deepEqual(layers[0].set.setScrollFactor, [1, 1]);
  assert.deepEqual(drawing.objects.map((o) => o.kind), ["image", "text", "image", "image", "image"]);
});

test("drawMap: image layers, text and tile objects where Tiled puts them", () => {
  const scene = fakeScene();
  const drawing = drawMap(scene, { map: DRAWN, key: "k", tiledFormat: "TILED" });
  const [sky, text, flipped, tree, lamp] = drawing.objects;
  assert.deepEqual([sky.x, sky.y, sky.key, sky.set.setOrigin, sky.set.setScrollFactor, sky.set.setDepth],
    [4, 0, "image:/maps/sky.png", [0, 0], [0.5, 0.5], [0]]);

  assert.equal(text.text, "Welcome");
  assert.equal(text.style.fixedWidth, 100);
  // Bottom-aligned in a 40 px box (its lines are 12 px high), the box
  // turned a quarter clockwise about its top-left corner.
  assert.deepEqual(text.set.setPosition.map((v) => Math.round(v)), [10 - 28, 20]);
  assert.deepEqual(text.set.setAngle, [90]);
  assert.deepEqual(text.set.setDepth, [3]);

  assert.deepEqual([flipped.x, flipped.y, flipped.key, flipped.frame, flipped.set.setOrigin, flipped.set.setFlip,
    flipped.set.setDisplaySize], [0, 64, "image:/maps/trees.svg@128x96", "tile:1", [0, 1], [true, false], [32, 96]]);
  assert.equal(tree.frame, "tile:1");
  assert.deepEqual(scene.frames, [["image:/maps/trees.svg@128x96", "tile:1", 0, 32, 0, 32, 96]], "each frame made once");
  assert.deepEqual([lamp.key, lamp.frame, lamp.set.setDisplaySize], ["image:/maps/lamp.png", undefined, [8, 24]]);

  drawing.destroy();
  assert.ok(drawing.tilemap.destroyed && drawing.objects.every((o) => o.destroyed));
});

test("drawMap: with the canvas renderer tiles stay where Phaser puts them; a failure takes down what was made", () => {
  const scene = fakeScene();
  const drawing = drawMap(scene, { map: DRAWN, key: "k", tiledFormat: "TILED", webgl: false });
  assert.deepEqual(drawing.tilemap.tilesets.map((t) => t.offset), [[0, 0], [0, 0]]);

  const broken = { ...DRAWN, tilesets: [{ ...DRAWN.tilesets[0], name: "broken" }] };
  const again = fakeScene();
  assert.throws(() => drawMap(again, { map: broken, key: "k", tiledFormat: "TILED" }),
    { message: "tileset 'broken' could not be added to the tilemap" });
  assert.equal(again.tilemap.destroyed, true);
});
