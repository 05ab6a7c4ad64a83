// The avatars on screen: one sprite and name label per entity, animated
// by facing and state (idle, walk, run) from the avatar sheets named in
// /assets/avatars/avatars.json, faded while a player is disconnected, and
// drawn in front of whatever stands higher up the screen. A player who is
// away, busy or not to be disturbed has a mark after their name. An agent
// (an NPC of the server, world.js's entity.agent) is told apart: its name
// in gold over a purple tag with a star and its role, and, while it is
// busy, a bubble above: dots while it thinks, "talking with Ada" or
// "listening to Ada" while it is with someone. Clicking (or tapping)
// another avatar, an agent too, or its name reports it: a direct chat
// with a player, a conversation with an agent (agentchat.js). What an
// agent says, in speech bubbles, is bubbles.js's.
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

// How an agent is drawn. The name stays what it is (the tests and the
// page read it), in a colour no player's name has; the tag under it
// carries the badge, so an agent with no role is still marked.
export const AGENT_BADGE = "✦";
export const AGENT_NAME_COLOR = "#ffd98a";
const PLAYER_NAME_COLOR = "#ffffff";
// A role longer than this is cut, so that one agent cannot cover others.
export const ROLE_MAX = 28;
// The busy bubble's colours by state; idle agents have no bubble.
export const AGENT_BUBBLES = {
  thinking: { color: "#1d2330", background: "#f4f1e8" },
  talking: { color: "#102a1a", background: "#8fe3b0" },
  listening: { color: "#10213a", background: "#9cc9ff" },
};
// The thinking dots grow one at a time every this many ticks (0.4 s at
// 60 Hz), from the drawn tick, so the bubble changes 2.5 times a second
// and not at every frame. Trailing spaces keep its width the same.
export const THINKING_TICKS = 24;
const THINKING_DOTS = ["•  ", "•• ", "•••"];
// Text objects are rasterised at this many times their size, so that
// names stay sharp at the camera's zoom up to 4.
const TEXT_RESOLUTION = 4;

// The tag under an agent's name: the badge, and its role if it has one.
export function agentTagText(agent) {
  const role = agent.role.length > ROLE_MAX ? `${agent.role.slice(0, ROLE_MAX - 1)}…` : agent.role;
  return role === "" ? AGENT_BADGE : `${AGENT_BADGE} ${role}`;
}

// The bubble over an agent, { text, color, background }, or null when it
// is idle (or in a state this client does not know). partner: the name
// of whom it is with ("you" for the player), null when not known (not in
// view, or no one); tick: the drawn tick, for the thinking dots.
export function agentBubble(agent, partner, tick) {
  const colors = AGENT_BUBBLES[agent.state];
  if (colors === undefined) return null;
  let text;
  if (agent.state === "thinking") {
    text = THINKING_DOTS[Math.floor(tick / THINKING_TICKS) % THINKING_DOTS.length];
  } else if (agent.state === "talking") {
    text = partner === null ? "talking" : `talking with ${partner}`;
  } else {
    text = partner === null ? "listening" : `listening to ${partner}`;
  }
  return { text, ...colors };
}

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
    // Kept on the sprite: an agent's tag and bubble, made later, answer
    // clicks the same way.
    sprite.clicked = (pointer) => {
      if (pointer.getDistance() > CLICK_SLOP) return;
      this.onClicked(entity);
    };
    for (const target of [sprite, sprite.label]) this.clickable(target, sprite);
  }

  clickable(target, sprite) {
    target.setInteractive({ useHandCursor: true });
    target.on("pointerup", sprite.clicked);
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
      // A status is a player's; an agent's business shows in its bubble.
      const agent = entity.agent ?? null;
      this.showStatus(sprite, agent === null ? entity.status : "online");
      this.showAgent(sprite, agent, agent === null ? null : this.partnerName(world, agent), tick);
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
    // Bottom up over the head: an agent's tag, the name, its bubble.
    let bottom = py - this.manifest.frameHeight + 4;
    const over = (text) => {
      text.setPosition(px, bottom);
      text.setDepth(AVATAR_DEPTH * 2);
      text.setAlpha(connected ? 1 : 0.6);
    };
    if (sprite.tag?.visible) {
      over(sprite.tag);
      bottom -= (sprite.tag.height ?? 11) + 1;
    }
    over(sprite.label);
    if (sprite.mark?.visible) {
      sprite.mark.setPosition(px + (sprite.label.width ?? 0) / 2 + 1, bottom);
      sprite.mark.setDepth(AVATAR_DEPTH * 2);
      sprite.mark.setAlpha(connected ? 1 : 0.6);
    }
    if (sprite.bubble?.visible) {
      bottom -= (sprite.label.height ?? 13) + 1;
      over(sprite.bubble);
    }
  }

  // Whom an agent is with, by name, for its bubble: "you" for the
  // player, null when no one or someone out of view.
  partnerName(world, agent) {
    if (agent.withId === null) return null;
    if (agent.withId === world.selfId) return "you";
    return world.entities.get(agent.withId)?.name ?? null;
  }

  // An agent's look: gold name, tag, bubble (agent: world.js's
  // entity.agent, null for a player). The texts are made the first time
  // an agent needs them and changed only when what they say changes, so
  // a frame costs a few comparisons per agent.
  showAgent(sprite, agent, partner, tick) {
    if (agent === null) {
      if (sprite.agentTag === undefined) return;
      sprite.agentTag = undefined;
      sprite.agentBubble = null;
      sprite.agentBubbleColors = null;
      sprite.label.setColor(PLAYER_NAME_COLOR);
      sprite.tag.setVisible(false);
      sprite.bubble?.setVisible(false);
      return;
    }
    const tag = agentTagText(agent);
    if (sprite.agentTag !== tag) {
      sprite.agentTag = tag;
      sprite.label.setColor(AGENT_NAME_COLOR);
      sprite.tag ??= this.addText(sprite, {
        fontSize: "9px", fontStyle: "italic", color: "#ffffff", backgroundColor: "#5b3fa0",
        padding: { x: 3, y: 1 },
      });
      sprite.tag.setText(tag).setVisible(true);
    }
    const bubble = agentBubble(agent, partner, tick);
    const shown = bubble === null ? null : bubble.text;
    const colors = bubble === null ? null : bubble.background;
    if (sprite.agentBubble === shown && sprite.agentBubbleColors === colors) return;
    if (bubble === null) {
      sprite.agentBubble = null;
      sprite.agentBubbleColors = null;
      sprite.bubble?.setVisible(false);
      return;
    }
    sprite.bubble ??= this.addText(sprite, { fontSize: "9px", padding: { x: 4, y: 1 } });
    // Each change redraws the text's canvas in Phaser: only what changed
    // is set (the thinking dots change the text alone).
    if (sprite.agentBubbleColors !== colors) {
      sprite.agentBubbleColors = colors;
      sprite.bubble.setColor(bubble.color).setBackgroundColor(bubble.background);
    }
    if (sprite.agentBubble !== shown) {
      sprite.agentBubble = shown;
      sprite.bubble.setText(shown);
    }
    sprite.bubble.setVisible(true);
  }

  // A text over an avatar, gone with it, and clickable as it is.
  addText(sprite, style) {
    const text = this.scene.add.text(0, 0, "", {
      fontFamily: "system-ui, sans-serif", resolution: TEXT_RESOLUTION, ...style,
    }).setOrigin(0.5, 1);
    sprite.on("destroy", () => text.destroy());
    if (sprite.clicked) this.clickable(text, sprite);
    return text;
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
        fontFamily: "system-ui, sans-serif", fontSize: "9px", stroke: "#1d2330", strokeThickness: 3, resolution: TEXT_RESOLUTION,
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
      fontFamily: "system-ui, sans-serif", fontSize: "10px", color: PLAYER_NAME_COLOR,
      stroke: "#1d2330", strokeThickness: 3, resolution: TEXT_RESOLUTION,
    }).setOrigin(0.5, 1);
    sprite.on("destroy", () => sprite.label.destroy());
    return sprite;
  }
}

function toUnits(sprite) {
  return [Math.round(sprite.x * UNITS_PER_PIXEL), Math.round(sprite.y * UNITS_PER_PIXEL)];
}
