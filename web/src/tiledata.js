// Tile layer data as Tiled saves it (a plain array of tile ids, or base64
// of little-endian 32-bit ids, maybe compressed with zlib, gzip or zstd)
// made plain arrays. Phaser reads plain arrays and uncompressed base64
// only: a compressed layer it skips with a console warning, which would
// leave a hole in the map instead of an error.
//
// zlib and gzip go through the browser's DecompressionStream; zstd through
// fzstd, imported only when a map needs it so that pages that never meet
// a zstd map never fetch it.

// How DecompressionStream names the formats Tiled writes.
const STREAM_FORMATS = { zlib: "deflate", gzip: "gzip" };

// Tiled keeps flips in the top bits, so every 32-bit value is a valid id.
const MAX_GID = 0xFFFFFFFF;

export async function importZstd() {
  const { decompress } = await import("fzstd");
  return decompress;
}

// Decode every tile layer of a map in place (groups included, infinite
// maps' chunks too), leaving no `encoding` or `compression` behind.
// Rejects with an Error that names the layer, e.g. "layer 'floor/details':
// unknown compression 'lz4'". zstd(): resolves with a function from
// compressed bytes to bytes (tests pass their own).
export async function decodeTileLayers(map, { zstd = importZstd } = {}) {
  for (const { layer, path } of tileLayers(map.layers ?? [])) {
    try {
      await decodeLayer(layer, map.infinite === true, zstd);
    } catch (error) {
      throw new Error(`layer '${path}': ${error.message}`);
    }
  }
  return map;
}

// Each tile layer with its name as Phaser gives it: "group/child".
export function* tileLayers(layers, prefix = "") {
  for (const layer of layers) {
    if (layer.type === "group") yield* tileLayers(layer.layers ?? [], `${prefix}${layer.name}/`);
    else if (layer.type === "tilelayer") yield { layer, path: `${prefix}${layer.name}` };
  }
}

async function decodeLayer(layer, infinite, zstd) {
  const { encoding, compression } = layer;
  if (infinite) {
    if (!Array.isArray(layer.chunks)) throw new Error("a layer of an infinite map needs chunks");
    for (const [index, chunk] of layer.chunks.entries()) {
      try {
        chunk.data = await decodeData(chunk.data, encoding, compression, chunk.width * chunk.height, zstd);
      } catch (error) {
        throw new Error(`chunk ${index} at (${chunk.x}, ${chunk.y}): ${error.message}`);
      }
    }
  } else {
    layer.data = await decodeData(layer.data, encoding, compression, layer.width * layer.height, zstd);
  }
  delete layer.encoding;
  delete layer.compression;
}

// One layer's or chunk's tile ids: `expected` of them, or an error.
export async function decodeData(data, encoding = "csv", compression = "", expected, zstd = importZstd) {
  let gids;
  if (encoding === "csv") {
    if (compression) throw new Error(`compression '${compression}' needs base64 encoding`);
    if (!Array.isArray(data)) throw new Error("the tile data is not an array of tile ids");
    gids = data;
    const bad = gids.find((gid) => !Number.isInteger(gid) || gid < 0 || gid > MAX_GID);
    if (bad !== undefined) throw new Error(`${JSON.stringify(bad)} is not a tile id`);
  } else if (encoding === "base64") {
    if (typeof data !== "string") throw new Error("base64 tile data must be a string");
    gids = tileIds(await decompress(base64Bytes(data), compression, expected * 4, zstd));
  } else {
    throw new Error(`unknown encoding '${encoding}'`);
  }
  if (gids.length !== expected) {
    throw new Error(`${gids.length} tile ids where its size needs ${expected}`);
  }
  return gids;
}

function base64Bytes(text) {
  let binary;
  try {
    binary = atob(text);
  } catch {
    throw new Error("the tile data is not valid base64");
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// Little-endian unsigned 32-bit values, flip bits and all.
function tileIds(bytes) {
  if (bytes.length % 4 !== 0) throw new Error(`${bytes.length} bytes of tile data, not a whole number of tile ids`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const gids = new Array(bytes.length / 4);
  for (let i = 0; i < gids.length; i++) gids[i] = view.getUint32(i * 4, true);
  return gids;
}

// limit: the bytes the layer's size allows; a file that unpacks to more
// is wrong (or hostile), and is stopped before it fills the memory.
export async function decompress(bytes, compression = "", limit = Infinity, zstd = importZstd) {
  if (!compression) return bytes;
  if (compression === "zstd") {
    let inflate;
    try {
      inflate = await zstd();
    } catch (error) {
      throw new Error(`the zstd decoder could not be loaded (${error.message})`);
    }
    try {
      return inflate(bytes);
    } catch (error) {
      throw new Error(`the tile data is not valid zstd data (${error.message})`);
    }
  }
  const format = STREAM_FORMATS[compression];
  if (!format) throw new Error(`unknown compression '${compression}'`);
  try {
    return await readAll(new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format)), limit);
  } catch (error) {
    if (error instanceof TooMuchData) throw error;
    throw new Error(`the tile data is not valid ${compression} data (${error.message})`);
  }
}

class TooMuchData extends Error {}

async function readAll(stream, limit) {
  const parts = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > limit) {
      await reader.cancel();
      throw new TooMuchData(`the tile data unpacks to more than the ${limit} bytes its size allows`);
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}
