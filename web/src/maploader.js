// Loading a map into the scene: the Tiled map and the tilesets it keeps
// in separate files, its images, the server's description of its
// collisions (/api/maps/<name>, the grid the movement rule walks on), and
// the drawing made from them (maplayers.js), with the tile data decoded
// first (tiledata.js).
//
// Every address in a map is relative to the file that has it: a map in
// floor1/ may use "../tilesets/x.tsj", whose image "x.png" is beside it.
// Whatever cannot be loaded or drawn rejects the load with an Error that
// says what (the map, tileset or layer, and the address): a map is drawn
// whole or not at all.
//
// Phaser's pieces (the scene's cache, loader, textures and factories) and
// fetch are passed in, so the tests run it without a browser.

import { Obstacles } from "./movement.js";
import { AVATAR_DEPTH, drawMap, imageKey, svgSize, tileOf } from "./maplayers.js";
import { decodeTileLayers, importZstd, tileLayers } from "./tiledata.js";

export { AVATAR_DEPTH };

// The address of `relative` in the file at `base`: a path on this site,
// or a whole URL elsewhere.
export function resolveUrl(relative, base, pageUrl) {
  const url = new URL(relative, new URL(base, pageUrl));
  return url.origin === new URL(pageUrl).origin ? url.pathname + url.search : url.href;
}

// JSON from url; what: how an error names the file (e.g. "the map ").
async function fetchJSON(fetch, url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`${what}${url} could not be fetched (${error.message})`);
  }
  if (!response.ok) throw new Error(`${what}${url} answered ${response.status}`);
  try {
    return await response.json();
  } catch (error) {
    throw new Error(`${what}${url} is not valid JSON (${error.message})`);
  }
}

// The Tiled map at mapUrl with every external tileset (.tsj, .json)
// merged in, and every image (tilesets', their tiles', image layers') as
// an address resolveUrl gives. fetch: window.fetch; pageUrl: the page's
// address, for relative URLs.
export async function fetchMapWithTilesets(fetch, mapUrl, pageUrl) {
  const map = await fetchJSON(fetch, mapUrl, "the map ");
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    throw new Error(`the map ${mapUrl} is not a Tiled map`);
  }
  map.tilesets = Array.isArray(map.tilesets) ? map.tilesets : [];
  await Promise.all(map.tilesets.map(async (tileset) => {
    let base = mapUrl;
    if (tileset.source) {
      const what = `tileset ${tileset.source}: `;
      if (/\.tsx$/i.test(tileset.source)) {
        throw new Error(`${what}XML tilesets cannot be read here; save it from Tiled as JSON (.tsj)`);
      }
      base = resolveUrl(tileset.source, mapUrl, pageUrl);
      const loaded = await fetchJSON(fetch, base, what);
      delete tileset.source;
      Object.assign(tileset, loaded, { firstgid: tileset.firstgid });
    }
    if (tileset.image) tileset.image = resolveUrl(tileset.image, base, pageUrl);
    for (const tile of Array.isArray(tileset.tiles) ? tileset.tiles : []) {
      if (tile.image) tile.image = resolveUrl(tile.image, base, pageUrl);
    }
  }));
  for (const layer of everyLayer(map.layers ?? [])) {
    if (layer.type === "imagelayer" && layer.image) layer.image = resolveUrl(layer.image, mapUrl, pageUrl);
  }
  return map;
}

function* everyLayer(layers) {
  for (const layer of layers) {
    yield layer;
    if (layer.type === "group") yield* everyLayer(layer.layers ?? []);
  }
}

// Fill in what Phaser reads without defaults, so that a map written by
// hand or by another tool is parsed as Tiled would show it.
export function normalizeMap(map) {
  const names = new Set();
  for (const [index, tileset] of map.tilesets.entries()) {
    // Phaser finds tilesets by name: a repeated one would hide the other.
    const given = typeof tileset.name === "string" && tileset.name ? tileset.name : `tileset ${index + 1}`;
    let name = given;
    for (let n = 2; names.has(name); n++) name = `${given} (${n})`;
    names.add(name);
    tileset.name = name;
  }
  // Phaser reads tile animations from the list form only in maps that say
  // they are from Tiled 1.2 or later, which introduced that form.
  if (!(map.version > 1) && map.tilesets.some((tileset) => Array.isArray(tileset.tiles))) map.version = "1.2";
  for (const layer of everyLayer(map.layers ?? [])) {
    layer.x ??= 0;
    layer.y ??= 0;
    layer.opacity ??= 1;
    layer.visible ??= true;
    if (layer.type === "tilelayer" && map.infinite === true && layer.chunks?.length) {
      // Phaser lays the chunks out in a grid from startx, starty of
      // width by height tiles: one too small would lose tiles.
      const left = Math.min(...layer.chunks.map((chunk) => chunk.x));
      const top = Math.min(...layer.chunks.map((chunk) => chunk.y));
      layer.startx = left;
      layer.starty = top;
      layer.width = Math.max(...layer.chunks.map((chunk) => chunk.x + chunk.width)) - left;
      layer.height = Math.max(...layer.chunks.map((chunk) => chunk.y + chunk.height)) - top;
    }
  }
  return map;
}

// What could be fetched but not drawn: anything but an orthogonal map,
// a tileset without images, a tile layer using a tile of an image
// collection (Phaser's tile layers draw tiles cut from one image only).
export function checkDrawable(map, mapUrl) {
  const orientation = map.orientation ?? "orthogonal";
  if (orientation !== "orthogonal") {
    throw new Error(`the map ${mapUrl} is ${orientation}; only orthogonal maps can be drawn`);
  }
  for (const tileset of map.tilesets) {
    const images = Array.isArray(tileset.tiles) && tileset.tiles.some((tile) => tile.image);
    if (!tileset.image && !images) throw new Error(`tileset '${tileset.name}' has no image`);
  }
  if (map.tilesets.every((tileset) => tileset.image)) return;
  for (const { layer, path } of tileLayers(map.layers ?? [])) {
    const lists = map.infinite === true ? (layer.chunks ?? []).map((chunk) => chunk.data) : [layer.data];
    for (const gids of lists) {
      for (const gid of gids) {
        const tile = gid === 0 ? null : tileOf(map, gid);
        if (tile && !tile.tileset.image) {
          throw new Error(`layer '${path}': tile ${tile.id} of the image collection '${tile.tileset.name}' ` +
            "cannot be drawn in a tile layer; put it in an object layer");
        }
      }
    }
  }
}

// The map at mapUrl, fetched with its tilesets, checked, and decoded,
// ready for Phaser. zstd: as tiledata.js's decodeTileLayers takes it.
export async function fetchMap(fetch, mapUrl, pageUrl, { zstd = importZstd } = {}) {
  const map = normalizeMap(await fetchMapWithTilesets(fetch, mapUrl, pageUrl));
  await decodeTileLayers(map, { zstd });
  checkDrawable(map, mapUrl);
  return map;
}

// The images a map draws: { key, url, size (an SVG's, else null), what
// (for errors: "tileset 'town'", "layer 'sky'") }, each once.
export function mapImages(map) {
  const images = new Map();
  const add = (url, size, what) => {
    const key = imageKey(url, size);
    if (!images.has(key)) images.set(key, { key, url, size, what });
  };
  for (const tileset of map.tilesets) {
    if (tileset.image) add(tileset.image, svgSize(tileset), `tileset '${tileset.name}'`);
    for (const tile of Array.isArray(tileset.tiles) ? tileset.tiles : []) {
      if (tile.image) add(tile.image, svgSize(tile), `tileset '${tileset.name}', tile ${tile.id}`);
    }
  }
  for (const { layer, path } of imageLayers(map.layers ?? [])) add(layer.image, svgSize(layer), `layer '${path}'`);
  return [...images.values()];
}

function* imageLayers(layers, prefix = "") {
  for (const layer of layers) {
    if (layer.type === "group") yield* imageLayers(layer.layers ?? [], `${prefix}${layer.name}/`);
    else if (layer.type === "imagelayer" && layer.image) yield { layer, path: `${prefix}${layer.name}` };
  }
}

// Custom properties, in either of the forms Tiled has written.
function property(holder, name) {
  const properties = holder.properties;
  const value = Array.isArray(properties)
    ? properties.find((p) => p?.name === name)?.value
    : properties?.[name];
  return typeof value === "string" && value !== "" ? value : null;
}

// What a map says about itself, for the "About this map" panel:
//   {
//     name: string | null,          the map property mapName
//     description: string | null,   mapDescription
//     copyright: string | null,     mapCopyright
//     tilesetCopyrights: string[],  the tilesets' tilesetCopyright, each
//                                   text once, in the tilesets' order
//     script: string | null,        the map property script, resolved
//                                   against the map's address as
//                                   resolveUrl does
//   }
export function mapAbout(map, mapUrl, pageUrl) {
  const script = property(map, "script");
  return {
    name: property(map, "mapName"),
    description: property(map, "mapDescription"),
    copyright: property(map, "mapCopyright"),
    tilesetCopyrights: [...new Set((map.tilesets ?? []).map((t) => property(t, "tilesetCopyright")).filter(Boolean))],
    script: script === null ? null : resolveUrl(script, mapUrl, pageUrl),
  };
}

// The server's collision grid (GET /api/maps/<name>: width, height,
// tile size, and one byte per tile in base64) as the movement rule's
// obstacles; outside the map is a wall.
export function obstaclesFrom(described) {
  const blocked = Uint8Array.from(atob(described.blocked), (c) => c.charCodeAt(0));
  const { width, height } = described;
  return new Obstacles(
    (column, row) => column < 0 || row < 0 || column >= width || row >= height ||
      blocked[row * width + column] !== 0,
    described.tileWidth,
    described.tileHeight,
  );
}

export class MapLoader {
  // scene: what of a Phaser scene this uses: cache.tilemap, load (image,
  //   svg, on/off/once, start), textures, make.tilemap, add (image, text);
  // tiledFormat: Phaser.Tilemaps.Formats.TILED_JSON;
  // fetch, pageUrl: as fetchMapWithTilesets takes them;
  // onProgress(share): how much of a load's images are in, 0 to 1;
  // webgl: whether the game renders with WebGL (as drawMap takes it);
  // zstd: as tiledata.js's decodeTileLayers takes it.
  constructor({ scene, tiledFormat, fetch, pageUrl, onProgress = () => {}, webgl = true, zstd = importZstd }) {
    this.scene = scene;
    this.tiledFormat = tiledFormat;
    this.fetch = fetch;
    this.pageUrl = pageUrl;
    this.onProgress = onProgress;
    this.webgl = webgl;
    this.zstd = zstd;
    // The map drawn now: its file name, drawing (maplayers.js), tilemap,
    // obstacles, size in pixels and mapAbout.
    this.name = null;
    this.drawing = null;
    this.tilemap = null;
    this.obstacles = null;
    this.size = null;
    this.about = null;
  }

  // Load and draw the map a welcome names (mapUrl, map), unless it is the
  // one drawn already. Resolves with { name, obstacles, width, height,
  // about } (the size in pixels, of the server's grid, for the camera;
  // about as mapAbout gives it). On a failure the map drawn before stays.
  async load(welcome) {
    if (this.name !== welcome.map || this.drawing === null) {
      const [map, described] = await Promise.all([
        fetchMap(this.fetch, welcome.mapUrl, this.pageUrl, { zstd: this.zstd }),
        fetchJSON(this.fetch, `/api/maps/${encodeURIComponent(welcome.map)}`, "the collision grid "),
      ]);
      await this.loadImages(mapImages(map));
      const obstacles = obstaclesFrom(described);
      const drawing = drawMap(this.scene, { map, key: `map:${welcome.map}`, tiledFormat: this.tiledFormat, webgl: this.webgl });
      this.drawing?.destroy();
      this.drawing = drawing;
      this.tilemap = drawing.tilemap;
      this.obstacles = obstacles;
      this.size = { width: described.width * described.tileWidth, height: described.height * described.tileHeight };
      this.about = mapAbout(map, welcome.mapUrl, this.pageUrl);
      this.name = welcome.map;
    }
    return { name: this.name, obstacles: this.obstacles, ...this.size, about: this.about };
  }

  // Resolves once every image is a texture; rejects naming the first that
  // is not (a missing file, or one that is no image).
  loadImages(images) {
    const { load, textures } = this.scene;
    for (const { key, url, size } of images) {
      if (textures.exists(key)) continue;
      if (size) load.svg(key, url, size);
      else load.image(key, url);
    }
    return new Promise((resolve, reject) => {
      // One set of listeners per load: a door loads another map.
      const statuses = new Map();
      const progress = (share) => this.onProgress(share);
      const failed = (file) => statuses.set(file.key, file.xhrLoader?.status);
      load.on("progress", progress);
      load.on("loaderror", failed);
      load.once("complete", () => {
        load.off("progress", progress);
        load.off("loaderror", failed);
        const missing = images.find(({ key }) => !textures.exists(key));
        if (!missing) {
          resolve();
          return;
        }
        const status = statuses.get(missing.key);
        reject(new Error(`${missing.what}: its image ${missing.url} could not be loaded` +
          (status ? ` (it answered ${status})` : "")));
      });
      load.start();
    });
  }
}
