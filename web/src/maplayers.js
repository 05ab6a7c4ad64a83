// Drawing a Tiled map with Phaser the way Tiled and WorkAdventure show it.
// The decisions are plain functions the tests check: where each layer,
// image and text goes (offsets and parallax through its groups), how
// opaque and whether visible, above or below the avatars, and how each
// tileset's tiles sit on the grid. drawMap then makes the Phaser objects.

// Avatars are drawn at this depth (plus a fraction for their feet's y),
// their labels at twice it; layers above them go above the labels too.
export const AVATAR_DEPTH = 1000;
const ABOVE_DEPTH = AVATAR_DEPTH * 3;

// WorkAdventure's marker: the top-level object layer where the avatars
// walk. Layers before it are under them, layers after it over them.
export const FLOOR_LAYER = "floorLayer";

const FLIPPED_HORIZONTALLY = 0x80000000;
const FLIPPED_VERTICALLY = 0x40000000;
const GID_MASK = 0x0FFFFFFF;

// A tile object's anchor, by its tileset's objectalignment (Tiled puts
// orthogonal maps' tile objects on their bottom-left corner).
const ALIGNMENTS = {
  unspecified: [0, 1], bottomleft: [0, 1], bottom: [0.5, 1], bottomright: [1, 1],
  left: [0, 0.5], center: [0.5, 0.5], right: [1, 0.5],
  topleft: [0, 0], top: [0.5, 0], topright: [1, 0],
};
const VERTICAL_ALIGN = { top: 0, center: 0.5, bottom: 1 };

// The texture an image is loaded as. An SVG is rasterised at the size its
// tileset or layer declares, so that size is part of its key.
export function imageKey(url, size = null) {
  return size ? `image:${url}@${size.width}x${size.height}` : `image:${url}`;
}

export function isSvg(url) {
  return /\.svg$/i.test(new URL(url, "http://x/").pathname);
}

// Where the loaded map starts, in pixels of Tiled's coordinates. The
// server puts an infinite map's top-left chunk at (0, 0) (chunks may lie
// left of or above Tiled's origin), so the drawing moves by as much.
export function mapOrigin(map) {
  if (!map.infinite) return { x: 0, y: 0 };
  let column = Infinity;
  let row = Infinity;
  for (const layer of allLayers(map.layers ?? [])) {
    for (const chunk of layer.type === "tilelayer" ? layer.chunks ?? [] : []) {
      column = Math.min(column, chunk.x);
      row = Math.min(row, chunk.y);
    }
  }
  if (column === Infinity) return { x: 0, y: 0 };
  return { x: column * map.tilewidth, y: row * map.tileheight };
}

function* allLayers(layers) {
  for (const layer of layers) {
    if (layer.type === "group") yield* allLayers(layer.layers ?? []);
    else yield layer;
  }
}

// What to draw, in Tiled's order. Each entry is
//   { kind: "tiles" | "image" | "text" | "tile", name, x, y, alpha,
//     visible, scrollX, scrollY, depth, ... }
// with name the layer's path ("group/child", as Phaser names tile
// layers), x and y its offset (groups' included) in the loaded map's
// pixels, alpha and visible through its groups, scrollX/Y its parallax
// factor times its groups'. "tiles" also has index: the layer's place
// among the map's tile layers, as Phaser's tilemap lists them (names may
// repeat in Tiled). "image" has url and size (an SVG's, else null);
// "text" and "tile" have object, the Tiled object, drawn at x + object.x,
// y + object.y. Hidden layers are listed too, with visible false.
export function planMap(map) {
  const origin = mapOrigin(map);
  const drawn = [];
  let order = 0;
  let tileIndex = 0;
  let above = false;
  const walk = (layers, parent, topLevel) => {
    for (const layer of layers) {
      const name = parent.name + layer.name;
      const place = {
        x: parent.x + (layer.offsetx ?? 0),
        y: parent.y + (layer.offsety ?? 0),
        alpha: parent.alpha * (layer.opacity ?? 1),
        visible: parent.visible && layer.visible !== false,
        scrollX: parent.scrollX * (layer.parallaxx ?? 1),
        scrollY: parent.scrollY * (layer.parallaxy ?? 1),
      };
      if (layer.type === "group") {
        walk(layer.layers ?? [], { ...place, name: `${name}/` }, false);
        continue;
      }
      const depth = (above ? ABOVE_DEPTH : 0) + order++;
      if (layer.type === "tilelayer") {
        // Phaser's rows and columns of an infinite layer start at startx.
        const x = place.x + (map.infinite ? (layer.startx ?? 0) * map.tilewidth : 0);
        const y = place.y + (map.infinite ? (layer.starty ?? 0) * map.tileheight : 0);
        drawn.push({ kind: "tiles", name, index: tileIndex++, ...place, x, y, depth });
      } else if (layer.type === "imagelayer") {
        if (layer.image) drawn.push({ kind: "image", name, url: layer.image, size: svgSize(layer), ...place, depth });
      } else if (layer.type === "objectgroup") {
        for (const object of drawOrder(layer)) {
          const kind = object.text ? "text" : object.gid ? "tile" : null;
          if (kind) drawn.push({ kind, name, object, ...place, visible: place.visible && object.visible !== false, depth });
        }
        if (topLevel && layer.name === FLOOR_LAYER) above = true;
      }
    }
  };
  walk(map.layers ?? [], { name: "", x: -origin.x, y: -origin.y, alpha: 1, visible: true, scrollX: 1, scrollY: 1 }, true);
  return drawn;
}

// Tiled draws an object layer's objects by their y unless told to keep
// their order.
function drawOrder(layer) {
  const objects = layer.objects ?? [];
  return layer.draworder === "index" ? objects : [...objects].sort((a, b) => a.y - b.y);
}

// The tileset's tileOffset for Phaser. Phaser's WebGL renderer draws a
// tile with its top-left at the grid cell's, moved by minus tileOffset;
// Tiled draws it with its bottom-left at the cell's, moved by the
// tileset's tileoffset. So a tile taller than the grid goes up by the
// difference, and Tiled's offset counts the other way.
export function tilesetOffset(tileset, map) {
  const tiled = tileset.tileoffset ?? { x: 0, y: 0 };
  return { x: -(tiled.x ?? 0), y: (tileset.tileheight - map.tileheight) - (tiled.y ?? 0) };
}

// How many grid cells beyond the view a tile layer must look for tiles
// that still reach into it: tiles bigger than the grid, or moved off it.
export function cullPadding(map) {
  let x = 1;
  let y = 1;
  for (const tileset of map.tilesets ?? []) {
    if (!tileset.image) continue;
    const offset = tilesetOffset(tileset, map);
    const left = offset.x;
    const right = tileset.tilewidth - offset.x - map.tilewidth;
    const up = offset.y;
    const down = tileset.tileheight - offset.y - map.tileheight;
    x = Math.max(x, Math.ceil(Math.max(left, right) / map.tilewidth));
    y = Math.max(y, Math.ceil(Math.max(up, down) / map.tileheight));
  }
  return { x, y };
}

// The tileset a tile id belongs to (flip bits ignored), and the tile's id
// in it; null for an id no tileset has.
export function tileOf(map, gid) {
  const id = gid & GID_MASK;
  let found = null;
  for (const tileset of map.tilesets ?? []) {
    if (tileset.firstgid <= id && (found === null || tileset.firstgid > found.firstgid)) found = tileset;
  }
  if (found === null || id === 0) return null;
  return { tileset: found, id: id - found.firstgid };
}

// Where a tile of an image tileset is in its image.
export function tileFrame(tileset, id) {
  const margin = tileset.margin ?? 0;
  const spacing = tileset.spacing ?? 0;
  const columns = tileset.columns ||
    Math.floor((tileset.imagewidth - 2 * margin + spacing) / (tileset.tilewidth + spacing));
  return {
    x: margin + (id % columns) * (tileset.tilewidth + spacing),
    y: margin + Math.floor(id / columns) * (tileset.tileheight + spacing),
    width: tileset.tilewidth,
    height: tileset.tileheight,
  };
}

// A Tiled colour ("#rrggbb" or "#aarrggbb") as CSS.
export function cssColor(color) {
  const argb = /^#?([0-9a-f]{2})([0-9a-f]{6})$/i.exec(color ?? "");
  if (argb) {
    const [r, g, b] = [0, 2, 4].map((at) => parseInt(argb[2].slice(at, at + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${+(parseInt(argb[1], 16) / 255).toFixed(3)})`;
  }
  const rgb = /^#?([0-9a-f]{6})$/i.exec(color ?? "");
  return rgb ? `#${rgb[1]}` : "#000000";
}

// A text object as Phaser's Text takes it: its style, and how far down
// its box the lines go (0 top, 0.5 centre, 1 bottom). Tiled's defaults:
// 16 px sans-serif, black, left and top.
export function textStyle(object) {
  const text = object.text;
  const style = {
    fontFamily: text.fontfamily ?? "sans-serif",
    fontSize: `${text.pixelsize ?? 16}px`,
    fontStyle: [text.bold ? "bold" : "", text.italic ? "italic" : ""].filter(Boolean).join(" "),
    color: cssColor(text.color),
    align: text.halign ?? "left",
    // Alignment is within the object's box, as in Tiled.
    fixedWidth: object.width ?? 0,
  };
  if (text.wrap) style.wordWrap = { width: object.width, useAdvancedWrap: true };
  return { style, valign: VERTICAL_ALIGN[text.valign] ?? 0 };
}

// A tile object's image: the texture (and frame, for a tile of an image
// tileset), its anchor, size, flips; null when no tileset has its tile.
export function tileObjectImage(map, object) {
  const tile = tileOf(map, object.gid);
  if (tile === null) return null;
  const { tileset, id } = tile;
  let key;
  let frame = null;
  let width = tileset.tilewidth;
  let height = tileset.tileheight;
  if (tileset.image) {
    key = imageKey(tileset.image, svgSize(tileset));
    frame = tileFrame(tileset, id);
  } else {
    const image = (tileset.tiles ?? []).find((t) => t.id === id);
    if (!image?.image) return null;
    key = imageKey(image.image, svgSize(image));
    width = image.imagewidth ?? width;
    height = image.imageheight ?? height;
  }
  const [originX, originY] = ALIGNMENTS[tileset.objectalignment ?? "unspecified"] ?? ALIGNMENTS.unspecified;
  return {
    key,
    frame: frame && { name: `tile:${id}`, ...frame },
    originX,
    originY,
    offsetX: tileset.tileoffset?.x ?? 0,
    offsetY: tileset.tileoffset?.y ?? 0,
    width: object.width || width,
    height: object.height || height,
    flipX: (object.gid & FLIPPED_HORIZONTALLY) !== 0,
    flipY: (object.gid & FLIPPED_VERTICALLY) !== 0,
  };
}

// The size an SVG must be rasterised at (from a tileset or a tile of an
// image collection), or null for other images.
export function svgSize(holder) {
  // Without a declared size, the browser's own (the file's) is all there is.
  if (!holder.image || !isSvg(holder.image) || !holder.imagewidth || !holder.imageheight) return null;
  return { width: holder.imagewidth, height: holder.imageheight };
}

// Make the Phaser objects for a map (its tile layers, images, texts, tile
// objects) in a scene whose textures have every image already.
// scene: cache.tilemap, make.tilemap, add.image, add.text, textures;
// map: the decoded Tiled map; key: the tilemap's cache key;
// tiledFormat: Phaser.Tilemaps.Formats.TILED_JSON; webgl: whether the
// game renders with WebGL. Phaser's canvas renderer adds tileOffset to
// the tiles' texture coordinates at every frame, so there tiles are left
// where Phaser puts them.
// Returns { tilemap, objects, destroy() }; on an error, what was made is
// destroyed again.
export function drawMap(scene, { map, key, tiledFormat, webgl = true }) {
  scene.cache.tilemap.add(key, { format: tiledFormat, data: map });
  const tilemap = scene.make.tilemap({ key });
  scene.cache.tilemap.remove(key);
  const objects = [];
  const drawing = {
    tilemap,
    objects,
    destroy() {
      for (const object of objects) object.destroy();
      tilemap.destroy();
    },
  };
  try {
    const tilesets = [];
    for (const tileset of map.tilesets) {
      if (!tileset.image) continue;
      const added = tilemap.addTilesetImage(tileset.name, imageKey(tileset.image, svgSize(tileset)));
      if (!added) throw new Error(`tileset '${tileset.name}' could not be added to the tilemap`);
      const offset = webgl ? tilesetOffset(tileset, map) : { x: 0, y: 0 };
      added.tileOffset.set(offset.x, offset.y);
      tilesets.push(added);
    }
    const padding = cullPadding(map);
    for (const item of planMap(map)) {
      const made = drawItem(scene, tilemap, tilesets, map, item);
      if (made === null) continue;
      made.setScrollFactor(item.scrollX, item.scrollY).setAlpha(item.alpha).setVisible(item.visible).setDepth(item.depth);
      if (item.kind === "tiles") made.setCullPadding(padding.x, padding.y);
      else objects.push(made);
    }
  } catch (error) {
    drawing.destroy();
    throw error;
  }
  return drawing;
}

function drawItem(scene, tilemap, tilesets, map, item) {
  switch (item.kind) {
    case "tiles": {
      const layer = tilemap.createLayer(item.index, tilesets, item.x, item.y);
      if (!layer) throw new Error(`layer '${item.name}' could not be made`);
      return layer;
    }
    case "image":
      return scene.add.image(item.x, item.y, imageKey(item.url, item.size)).setOrigin(0, 0);
    case "text":
      return drawText(scene, item);
    case "tile":
      return drawTileObject(scene, map, item);
    default:
      return null;
  }
}

function drawText(scene, item) {
  const { object } = item;
  const { style, valign } = textStyle(object);
  const x = item.x + object.x;
  const y = item.y + object.y;
  const text = scene.add.text(x, y, object.text.text ?? "", style).setOrigin(0, 0);
  const angle = object.rotation ?? 0;
  // The lines go down the box, which turns with the object about its
  // top-left corner.
  const down = ((object.height ?? 0) - text.height) * valign;
  const radians = (angle * Math.PI) / 180;
  text.setPosition(x - down * Math.sin(radians), y + down * Math.cos(radians));
  return text.setAngle(angle);
}

function drawTileObject(scene, map, item) {
  const { object } = item;
  const image = tileObjectImage(map, object);
  if (image === null) return null;
  let frame;
  if (image.frame) {
    const texture = scene.textures.get(image.key);
    if (!texture.has(image.frame.name)) {
      const { name, x, y, width, height } = image.frame;
      texture.add(name, 0, x, y, width, height);
    }
    frame = image.frame.name;
  }
  return scene.add.image(item.x + object.x + image.offsetX, item.y + object.y + image.offsetY, image.key, frame)
    .setOrigin(image.originX, image.originY)
    .setDisplaySize(image.width, image.height)
    .setFlip(image.flipX, image.flipY)
    .setAngle(object.rotation ?? 0);
}
