// Tile data as Tiled saves it, made the plain arrays Phaser reads: every
// encoding and compression, flips kept, and each failure naming its layer.
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";

import { decodeData, decodeTileLayers, importZstd, tileLayers } from "../src/tiledata.js";

// Flipped horizontally, flipped vertically, flipped anti-diagonally.
const GIDS = [1, 2, 0x80000003, 0, 5, 6, 0x40000007, 8, 9, 0x2000000A, 11, 12];
const BYTES = Buffer.alloc(GIDS.length * 4);
GIDS.forEach((gid, i) => BYTES.writeUInt32LE(gid, i * 4));

// GIDS made by `zstd -19` (v1.5.4): node 20's zlib has no zstd to make it.
const ZSTD_GIDS = "KLUv/SQwDQEAAkMHD8BrDf+/v/7F7S5Zu6VMAUc/afNyoh4XD78Gv1sAqr5K+A==";

const base64 = (bytes) => Buffer.from(bytes).toString("base64");

test("every encoding and compression Tiled writes gives the same tile ids, flips kept", async () => {
  const saved = [
    [GIDS, undefined, undefined],
    [GIDS, "csv", ""],
    [base64(BYTES), "base64", undefined],
    [base64(BYTES), "base64", ""],
    [base64(zlib.deflateSync(BYTES)), "base64", "zlib"],
    [base64(zlib.gzipSync(BYTES)), "base64", "gzip"],
    [ZSTD_GIDS, "base64", "zstd"],
  ];
  for (const [data, encoding, compression] of saved) {
    assert.deepEqual(await decodeData(data, encoding, compression, 12), GIDS, `${encoding} ${compression}`);
  }
});

test("the zstd decoder is fzstd, imported when a map needs it", async () => {
  const decompress = await importZstd();
  assert.deepEqual([...decompress(Buffer.from(ZSTD_GIDS, "base64"))], [...BYTES]);
});

test("a map's layers are decoded in place, in groups and in chunks, nothing compressed left", async () => {
  const map = {
    width: 4, height: 3,
    layers: [
      { type: "tilelayer", name: "ground", width: 4, height: 3, encoding: "base64", compression: "zlib",
        data: base64(zlib.deflateSync(BYTES)) },
      { type: "group", name: "floor", layers: [
        { type: "tilelayer", name: "details", width: 4, height: 3, encoding: "base64", compression: "zstd", data: ZSTD_GIDS },
        { type: "objectgroup", name: "zones", objects: [] },
      ] },
    ],
  };
  await decodeTileLayers(map);
  assert.deepEqual(map.layers[0].data, GIDS);
  assert.deepEqual(map.layers[1].layers[0].data, GIDS);
  for (const layer of [map.layers[0], map.layers[1].layers[0]]) {
    assert.equal("encoding" in layer || "compression" in layer, false);
  }
  assert.deepEqual([...tileLayers(map.layers)].map(({ path }) => path), ["ground", "floor/details"]);

  const infinite = {
    infinite: true,
    layers: [{ type: "tilelayer", name: "ground", encoding: "base64", compression: "gzip", chunks: [
      { x: -4, y: 0, width: 4, height: 3, data: base64(zlib.gzipSync(BYTES)) },
      { x: 0, y: 0, width: 2, height: 1, data: base64(zlib.gzipSync(BYTES.subarray(0, 8))) },
    ] }],
  };
  await decodeTileLayers(infinite);
  assert.deepEqual(infinite.layers[0].chunks.map((chunk) => chunk.data), [GIDS, [1, 2]]);
});

test("what cannot be decoded rejects, naming the layer and saying why", async () => {
  const layer = (fields) => ({ layers: [{ type: "group", name: "floor", layers: [
    { type: "tilelayer", name: "details", width: 4, height: 3, ...fields },
  ] }] });
  const cases = [
    [{ encoding: "base64", compression: "lz4", data: base64(BYTES) }, "unknown compression 'lz4'"],
    [{ encoding: "xml", data: "" }, "unknown encoding 'xml'"],
    [{ encoding: "base64", data: "not base64!" }, "the tile data is not valid base64"],
    [{ encoding: "base64", compression: "zlib", data: base64(Buffer.from("garbage")) },
      /^the tile data is not valid zlib data \(/],
    [{ encoding: "base64", compression: "gzip", data: base64(zlib.gzipSync(BYTES).subarray(0, 12)) },
      /^the tile data is not valid gzip data \(/],
    [{ encoding: "base64", compression: "zstd", data: base64(BYTES) }, /^the tile data is not valid zstd data \(/],
    [{ encoding: "base64", data: base64(BYTES.subarray(0, 6)) }, "6 bytes of tile data, not a whole number of tile ids"],
    [{ encoding: "base64", data: base64(BYTES.subarray(0, 8)) }, "2 tile ids where its size needs 12"],
    [{ encoding: "base64", compression: "zlib", data: base64(zlib.deflateSync(Buffer.alloc(4000))) },
      "the tile data unpacks to more than the 48 bytes its size allows"],
    [{ compression: "zlib", data: GIDS }, "compression 'zlib' needs base64 encoding"],
    [{ data: "1,2,3" }, "the tile data is not an array of tile ids"],
    [{ data: [...GIDS.slice(1), -1] }, "-1 is not a tile id"],
    [{ data: GIDS.slice(1) }, "11 tile ids where its size needs 12"],
  ];
  for (const [fields, reason] of cases) {
    await assert.rejects(decodeTileLayers(layer(fields)), (error) => {
      assert.ok(error.message.startsWith("layer 'floor/details': "), error.message);
      const why = error.message.slice("layer 'floor/details': ".length);
      if (reason instanceof RegExp) assert.match(why, reason);
      else assert.equal(why, reason);
      return true;
    });
  }
});

test("a chunk that cannot be decoded is named by its place; a missing zstd decoder says so", async () => {
  const infinite = { infinite: true, layers: [{ type: "tilelayer", name: "ground", encoding: "base64", compression: "zlib",
    chunks: [{ x: 16, y: -16, width: 16, height: 16, data: base64(Buffer.from("nope")) }] }] };
  await assert.rejects(decodeTileLayers(infinite),
    /^Error: layer 'ground': chunk 0 at \(16, -16\): the tile data is not valid zlib data/);
  await assert.rejects(decodeTileLayers({ infinite: true, layers: [{ type: "tilelayer", name: "ground", data: GIDS }] }),
    { message: "layer 'ground': a layer of an infinite map needs chunks" });

  const zstdMap = { layers: [{ type: "tilelayer", name: "roofs", width: 4, height: 3, encoding: "base64",
    compression: "zstd", data: ZSTD_GIDS }] };
  const zstd = () => Promise.reject(new TypeError("Failed to fetch dynamically imported module"));
  await assert.rejects(decodeTileLayers(zstdMap, { zstd }), {
    message: "layer 'roofs': the zstd decoder could not be loaded (Failed to fetch dynamically imported module)",
  });
});
