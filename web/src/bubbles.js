// What agents say, as speech bubbles over their heads (docs/protocol.md,
// "Speech bubbles"): every `bubble` replaces its agent's bubble with the
// reply so far; once the reply is done, the bubble stays a few seconds
// and fades. A bubble is a Phaser text with a background (never markup),
// above the agent's name and its busy bubble (avatars.js), and goes with
// the agent's sprite, or with the map.
//
// What this needs of a Phaser scene (add.text) is passed in, so the tests
// run it with a fake.

import { AVATAR_DEPTH } from "./maplayers.js";

// How long a finished bubble stays before it fades, and how long the fade
// takes (ms).
export const BUBBLE_STAYS_MS = 6000;
export const BUBBLE_FADE_MS = 500;
// Where its lines wrap (px), and the space between it and what is under it.
export const BUBBLE_WIDTH = 150;
const GAP = 2;
// Rasterised at this many times its size, as the names are.
const TEXT_RESOLUTION = 4;

// How opaque a bubble is at `now` (ms), finished at doneAt (null: still
// speaking): 1 until BUBBLE_STAYS_MS after, then down to 0.
export function bubbleAlpha(doneAt, now) {
  if (doneAt === null) return 1;
  const fading = now - doneAt - BUBBLE_STAYS_MS;
  if (fading <= 0) return 1;
  return Math.max(0, 1 - fading / BUBBLE_FADE_MS);
}

export class SpeechBubbles {
  // scene: { add } of a Phaser scene.
  constructor({ scene }) {
    this.scene = scene;
    // By the agent's entity id: { text, doneAt, made (the Phaser text) }.
    this.bubbles = new Map();
  }

  // A `bubble` message, at local time now (ms). Anything malformed
  // changes nothing.
  show({ id, text, done }, now) {
    if (!Number.isInteger(id) || typeof text !== "string") return;
    let bubble = this.bubbles.get(id);
    if (bubble === undefined) {
      bubble = { text: null, doneAt: null, made: this.make() };
      this.bubbles.set(id, bubble);
    }
    if (bubble.text !== text) {
      bubble.text = text;
      bubble.made.setText(text);
    }
    bubble.doneAt = done === true ? now : null;
  }

  make() {
    return this.scene.add.text(0, 0, "", {
      fontFamily: "system-ui, sans-serif", fontSize: "9px", color: "#1d2330", backgroundColor: "#fdfbf4",
      padding: { x: 4, y: 2 }, align: "center", resolution: TEXT_RESOLUTION,
      wordWrap: { width: BUBBLE_WIDTH, useAdvancedWrap: true },
    }).setOrigin(0.5, 1).setDepth(AVATAR_DEPTH * 2 + 1).setVisible(false);
  }

  // Each frame, after the avatars are placed: every bubble over its agent
  // (spriteOf(id): avatars.js's sprite, or null while it is not in view),
  // faded as its time says; a faded one goes.
  draw(spriteOf, now) {
    for (const [id, bubble] of this.bubbles) {
      const alpha = bubbleAlpha(bubble.doneAt, now);
      if (alpha <= 0) {
        this.remove(id);
        continue;
      }
      const sprite = spriteOf(id);
      if (sprite === null || sprite === undefined) {
        bubble.made.setVisible(false);
        continue;
      }
      bubble.made.setPosition(sprite.x, topOf(sprite) - GAP);
      bubble.made.setAlpha(alpha * (sprite.label?.alpha ?? 1));
      bubble.made.setVisible(true);
    }
  }

  remove(id) {
    this.bubbles.get(id)?.made.destroy();
    this.bubbles.delete(id);
  }

  // A new map: its agents are others.
  clear() {
    for (const id of [...this.bubbles.keys()]) this.remove(id);
  }

  // For the test hook: { entityId: text } of every bubble not yet faded.
  snapshot() {
    const shown = {};
    for (const [id, bubble] of this.bubbles) shown[id] = bubble.text;
    return shown;
  }
}

// The top of what avatars.js draws over a sprite: its name, or the busy
// bubble above it.
function topOf(sprite) {
  const { label, bubble } = sprite;
  let top = label.y - (label.height ?? 13);
  if (bubble?.visible) top = Math.min(top, bubble.y - (bubble.height ?? 11));
  return top;
}
