// Loading a map into the scene: the Tiled map and the tilesets it keeps
// in separate files, the server's description of its collisions
// (/api/maps/<name>, the grid the movement rule walks on), and the Phaser
// tilemap drawn from them, its layers above or below the avatars.
//
// Phaser's pieces (the scene's cache, loader and tilemap factory) and
// fetch are passed in, so the tests run it without a browser.

import { Obstacles } from "./movement.js";

// Avatars are drawn at this depth (plus a fraction for their feet's y);
// map layers from "floorLayer" on go above them, the others below.
export const AVATAR_DEPTH = 1000;
export const ABOVE_AVATARS_LAYER = "floorLayer";

// The Tiled map at mapUrl with every external tileset (.tsj) merged in,
// and every tileset image as an absolute path, as Phaser wants them.
// fetch: window.fetch; pageUrl: the page's address, for relative URLs.
export async function fetchMapWithTilesets(fetch, mapUrl, pageUrl) {
  const map = await fetchJSON(fetch, mapUrl);
  const base = new URL(mapUrl, pageUrl);
  for (const tileset of map.tilesets ?? []) {
    if (tileset.source) {
      const tilesetUrl = new URL(tileset.source, base);
      const loaded = await fetchJSON(fetch, tilesetUrl.href);
      delete tileset.source;
      Object.assign(tileset, loaded, { firstgid: tileset.firstgid });
      tileset.image = new URL(loaded.image, tilesetUrl).pathname;
    } else if (tileset.image) {
      tileset.image = new URL(tileset.image, base).pathname;
    }
  }
  return map;
}

async function fetchJSON(fetch, url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

// The map's layers in drawing order, groups flattened.
export function flattenLayers(layers, into = []) {
  for (const layer of layers) {
    if (layer.type === "group") flattenLayers(layer.layers ?? [], into);
    else into.push(layer);
  }
  return into;
}

// The tile layers to draw, each with its depth: in map order below the
// avatars, and from the "floorLayer" marker on (WorkAdventure's
// convention) above them. Hidden layers are left out.
export function layerDepths(mapData) {
  const drawn = [];
  let order = 0;
  let aboveAvatars = false;
  for (const layer of flattenLayers(mapData.layers ?? [])) {
    if (layer.name === ABOVE_AVATARS_LAYER) aboveAvatars = true;
    if (layer.type !== "tilelayer" || layer.visible === false) continue;
    drawn.push({ name: layer.name, depth: aboveAvatars ? AVATAR_DEPTH * 3 + order : order });
    order++;
  }
  return drawn;
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
  //   on/off/once, start) and make.tilemap;
  // tiledFormat: Phaser.Tilemaps.Formats.TILED_JSON;
  // fetch, pageUrl: as fetchMapWithTilesets takes them;
  // onProgress(share): how much of a load is done, 0 to 1.
  constructor({ scene, tiledFormat, fetch, pageUrl, onProgress = () => {} }) {
    this.scene = scene;
    this.tiledFormat = tiledFormat;
    this.fetch = fetch;
    this.pageUrl = pageUrl;
    this.onProgress = onProgress;
    // The map drawn now: its file name, tilemap and obstacles.
    this.name = null;
    this.tilemap = null;
    this.obstacles = null;
  }

  // Load and draw the map a welcome names (mapUrl, map), unless it is the
  // one drawn already. Resolves with { name, obstacles, width, height }
  // (the size in pixels, for the camera).
  async load(welcome) {
    if (this.name !== welcome.map || this.tilemap === null) {
      const [mapData, described] = await Promise.all([
        fetchMapWithTilesets(this.fetch, welcome.mapUrl, this.pageUrl),
        fetchJSON(this.fetch, `/api/maps/${encodeURIComponent(welcome.map)}`),
      ]);
      await this.loadImages(mapData);
      this.obstacles = obstaclesFrom(described);
      this.build(`map:${welcome.map}`, mapData);
      this.name = welcome.map;
    }
    return {
      name: this.name,
      obstacles: this.obstacles,
      width: this.tilemap.widthInPixels,
      height: this.tilemap.heightInPixels,
    };
  }

  loadImages(mapData) {
    const load = this.scene.load;
    for (const tileset of mapData.tilesets) load.image(`tiles:${tileset.name}`, tileset.image);
    return new Promise((resolve) => {
      // One listener per load: a door loads another map into the scene.
      const progress = (share) => this.onProgress(share);
      load.on("progress", progress);
      load.once("complete", () => {
        load.off("progress", progress);
        resolve();
      });
      load.start();
    });
  }

  build(key, mapData) {
    this.scene.cache.tilemap.add(key, { format: this.tiledFormat, data: mapData });
    this.tilemap?.destroy();
    const map = this.scene.make.tilemap({ key });
    const tilesets = mapData.tilesets.map((t) => map.addTilesetImage(t.name, `tiles:${t.name}`));
    for (const { name, depth } of layerDepths(mapData)) {
      map.createLayer(name, tilesets)?.setDepth(depth);
    }
    this.tilemap = map;
  }
}
