// The avatars on screen: one sprite and name label per entity, animated
// by facing and state (idle, walk, run) from the avatar sheets named in
// /assets/avatars/avatars.json, faded while a player is disconnected, and
// drawn in front of whatever stands higher up the screen. A player who is
// away, busy or not to be disturbed has a mark after their name. Clicking
// (or tapping) another avatar or its name reports it, for a direct chat.
//
// What this needs of a Phaser scene (add.sprite, add.text, anims, load)
// is passed in, so the tests run it with fakes.

import { positionAt } from "./clock.js";
import { AVATAR_DEPTH } from "./maploader.js";
import { UNITS_PER_PIXEL } from "./movement.js";

export const FACINGS = ["down", "left", "right", "up"];
export const STATES = ["idle", "walk", "run"];
// A pointer that travelled further than this (CSS px) between down and up
// was dragging (the joystick), not clicking an avatar.
export const CLICK_SLOP = 12;
// Frames per row of an avatar sheet; one row per facing.
const COLUMNS = 10;
// The mark after a name, by status (docs/protocol.md, "Talking"); none
// for "online", the usual case, which keeps the names uncluttered.
export const STATUS_MARKS = {
  away: { text: "○", color: "#b9c2d6" },
  busy: { text: "●", color: "#f2b84b" },
  dnd: { text: "⊖", color: "#ff7a64" },
};

// The animation key for an avatar facing a way in a state.
export function animationKey(avatar, state, facing) {
  return `${avatar}-${STATES[state] ?? "idle"}-${FACINGS[facing] ?? "down"}`;
}

// Every animation the manifest's avatars have: key, texture and frames.
export function avatarAnimations(manifest) {
  const made = [];
  for (const avatar of manifest.avatars) {
    FACINGS.forEach((facing, row) => {
      for (const state of STATES) {
        const { start, frames, fps } = manifest.animations[state];
        made.push({
          key: `${avatar.name}-${state}-${facing}`,
          texture: `avatar:${avatar.name}`,
          start: row * COLUMNS + start,
          end: row * COLUMNS + start + frames - 1,
          fps,
        });
      }
    });
  }
  return made;
}

export class Avatars {
  // scene: { add, anims } of a Phaser scene; manifest: avatars.json;
  // onClicked(entity): another avatar (or its label) was clicked; the
  //   entity is the one it was made for (the world may know a newer one).
  constructor({ scene, manifest, onClicked = () => {} }) {
    this.scene = scene;
    this.manifest = manifest;
    this.onClicked = onClicked;
    // The player's own sprite, and the others' by entity id.
    this.self = null;
    this.selfId = null;
    this.others = new Map();
  }

  // Queue the avatar sheets on a Phaser loader (the scene's preload).
  preload(load) {
    const { frameWidth, frameHeight } = this.manifest;
    for (const avatar of this.manifest.avatars) {
      load.spritesheet(`avatar:${avatar.name}`, `/assets/avatars/${avatar.file}`, { frameWidth, frameHeight });
    }
  }

  // Make the animations, once the sheets are loaded.
  makeAnimations() {
    const anims = this.scene.anims;
    for (const { key, texture, start, end, fps } of avatarAnimations(this.manifest)) {
      if (anims.exists(key)) continue;
      anims.create({
        key,
        frames: anims.generateFrameNumbers(texture, { start, end }),
        frameRate: fps,
        repeat: -1,
      });
    }
  }

  // The player's own avatar, replacing any before it; returns its sprite
  // (for the camera to follow).
  setSelf(id, name, avatar) {
    this.self?.destroy();
    this.selfId = id;
    this.self = this.make(name, avatar);
    return this.self;
  }

  // Another entity (world.js's Entity) came into view.
  add(entity) {
    if (entity.id === this.selfId || this.others.has(entity.id)) return;
    const sprite = this.make(entity.name, entity.avatar);
    this.others.set(entity.id, sprite);
    const clicked = (pointer) => {
      if (pointer.getDistance() > CLICK_SLOP) return;
      this.onClicked(entity);
    };
    for (const target of [sprite, sprite.label]) {
      target.setInteractive({ useHandCursor: true });
      target.on("pointerup", clicked);
    }
  }

  remove(id) {
    this.others.get(id)?.destroy();
    this.others.delete(id);
  }

  // Every other avatar goes (a new welcome brings its own).
  clear() {
    for (const sprite of this.others.values()) sprite.destroy();
    this.others.clear();
  }

  // Where every other avatar is drawn now, in units: [x, y] by entity id.
  positions() {
    const drawn = {};
    for (const [id, sprite] of this.others) drawn[id] = toUnits(sprite);
    return drawn;
  }

  // The sprite drawn for an entity id (the player's own included), or null.
  spriteOf(id) {
    if (id === this.selfId) return this.self;
    return this.others.get(id) ?? null;
  }

  // The player's own avatar where the prediction (prediction.js) has it.
  drawSelf(predictor) {
    if (this.self === null) return;
    const [x, y] = predictor.drawnPosition();
    this.place(this.self, x, y, predictor.body.facing, predictor.body.state, true);
  }

  // The others where the world (world.js) has them at a fractional tick.
  drawOthers(world, tick, obstacles) {
    for (const [id, sprite] of this.others) {
      const entity = world.entities.get(id);
      if (entity === undefined) continue;
      const drawn = positionAt(entity, tick, obstacles);
      this.showStatus(sprite, entity.status);
      this.place(sprite, drawn.x, drawn.y, drawn.facing, drawn.state, entity.connected);
    }
  }

  // Draw sprite at (x, y) units, facing and in state (movement.js's).
  place(sprite, x, y, facing, state, connected) {
    const px = x / UNITS_PER_PIXEL;
    const py = y / UNITS_PER_PIXEL;
    sprite.setPosition(px, py);
    sprite.setDepth(AVATAR_DEPTH + py / 10000);
    sprite.setAlpha(connected ? 1 : 0.45);
    const key = animationKey(sprite.avatarName, state, facing);
    if (sprite.anims.currentAnim?.key !== key) sprite.play(key, true);
    sprite.label.setPosition(px, py - this.manifest.frameHeight + 4);
    sprite.label.setDepth(AVATAR_DEPTH * 2);
    sprite.label.setAlpha(connected ? 1 : 0.6);
    if (sprite.mark?.visible) {
      sprite.mark.setPosition(px + (sprite.label.width ?? 0) / 2 + 1, py - this.manifest.frameHeight + 4);
      sprite.mark.setDepth(AVATAR_DEPTH * 2);
      sprite.mark.setAlpha(connected ? 1 : 0.6);
    }
  }

  // The mark after the name for a status; made the first time one is
  // needed, as most players never have one.
  showStatus(sprite, status = "online") {
    if ((sprite.status ?? "online") === status) return;
    sprite.status = status;
    const mark = STATUS_MARKS[status] ?? null;
    if (mark === null) {
      sprite.mark?.setVisible(false);
      return;
    }
    if (!sprite.mark) {
      sprite.mark = this.scene.add.text(0, 0, "", {
        fontFamily: "system-ui, sans-serif", fontSize: "9px", stroke: "#1d2330", strokeThickness: 3, resolution: 4,
      }).setOrigin(0, 1);
      sprite.on("destroy", () => sprite.mark.destroy());
    }
    sprite.mark.setText(mark.text);
    sprite.mark.setColor(mark.color);
    sprite.mark.setVisible(true);
  }

  make(name, avatar) {
    const { manifest } = this;
    const known = manifest.avatars.some((a) => a.name === avatar);
    const avatarName = known ? avatar : manifest.avatars[0].name;
    const sprite = this.scene.add.sprite(0, 0, `avatar:${avatarName}`, 0);
    sprite.setOrigin(manifest.originX / manifest.frameWidth, manifest.originY / manifest.frameHeight);
    sprite.avatarName = avatarName;
    // Marks the sprite as an avatar among the scene's children.
    sprite.isAvatar = true;
    sprite.label = this.scene.add.text(0, 0, name, {
      fontFamily: "system-ui, sans-serif", fontSize: "10px", color: "#ffffff",
      stroke: "#1d2330", strokeThickness: 3, resolution: 4,
    }).setOrigin(0.5, 1);
    sprite.on("destroy", () => sprite.label.destroy());
    return sprite;
  }
}

function toUnits(sprite) {
  return [Math.round(sprite.x * UNITS_PER_PIXEL), Math.round(sprite.y * UNITS_PER_PIXEL)];
}
