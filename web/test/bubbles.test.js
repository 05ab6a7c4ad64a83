// Speech bubbles over agents: made once, replaced by each message, over
// the agent's name (and busy bubble), faded some seconds after the reply
// is done, gone with the map.
import { test } from "node:test";
import assert from "node:assert/strict";

import { BUBBLE_FADE_MS, BUBBLE_STAYS_MS, SpeechBubbles, bubbleAlpha } from "../src/bubbles.js";
import { AVATAR_DEPTH } from "../src/maplayers.js";

class FakeText {
  constructor(text, style) {
    this.text = text;
    this.style = style;
    this.texts = 0;
    this.destroyed = false;
  }
  setOrigin(x, y) { this.origin = [x, y]; return this; }
  setDepth(depth) { this.depth = depth; return this; }
  setVisible(visible) { this.visible = visible; return this; }
  setPosition(x, y) { this.x = x; this.y = y; return this; }
  setAlpha(alpha) { this.alpha = alpha; return this; }
  setText(text) { this.text = text; this.texts += 1; return this; }
  destroy() { this.destroyed = true; }
}

function setup() {
  const made = [];
  const scene = { add: { text: (x, y, text, style) => { const t = new FakeText(text, style); made.push(t); return t; } } };
  return { bubbles: new SpeechBubbles({ scene }), made };
}

// An agent's sprite as avatars.js leaves it: its name, and maybe its busy bubble.
const sprite = (x, y, busy = false) => ({
  x, y,
  label: { y: y - 44, height: 13, alpha: 1 },
  bubble: busy ? { visible: true, y: y - 58, height: 11 } : undefined,
});

test("a finished bubble stays six seconds, then fades", () => {
  assert.equal(bubbleAlpha(null, 1e9), 1);
  assert.equal(bubbleAlpha(1000, 1000 + BUBBLE_STAYS_MS), 1);
  assert.equal(bubbleAlpha(1000, 1000 + BUBBLE_STAYS_MS + BUBBLE_FADE_MS / 2), 0.5);
  assert.equal(bubbleAlpha(1000, 1000 + BUBBLE_STAYS_MS + BUBBLE_FADE_MS), 0);
});

test("each message replaces the agent's bubble, drawn as text above its name", () => {
  const { bubbles, made } = setup();
  bubbles.show({ t: "bubble", id: 5, text: "The cafe", done: false }, 0);
  bubbles.show({ t: "bubble", id: 5, text: "The cafe is east.", done: false }, 10);
  assert.equal(made.length, 1, "one bubble per agent");
  const [shown] = made;
  assert.equal(shown.text, "The cafe is east.");
  assert.ok(shown.style.backgroundColor, "a background");
  assert.ok(shown.style.wordWrap.width > 0, "wrapped");
  assert.ok(shown.style.resolution >= 4);
  assert.ok(shown.depth > AVATAR_DEPTH * 2, "over the names");
  assert.deepEqual(bubbles.snapshot(), { 5: "The cafe is east." });

  const sprites = { 5: sprite(100, 200) };
  bubbles.draw((id) => sprites[id] ?? null, 20);
  assert.deepEqual([shown.x, shown.visible, shown.alpha], [100, true, 1]);
  assert.ok(shown.y < 200 - 44 - 13 + 1, "above the name");
  sprites[5] = sprite(100, 200, true);
  bubbles.draw((id) => sprites[id] ?? null, 30);
  assert.ok(shown.y < 200 - 58 - 11 + 1, "above the busy bubble too");
  // Out of view: hidden, not forgotten.
  bubbles.draw(() => null, 40);
  assert.equal(shown.visible, false);
  assert.deepEqual(bubbles.snapshot(), { 5: "The cafe is east." });
  // The same text again redraws nothing.
  bubbles.show({ t: "bubble", id: 5, text: "The cafe is east.", done: false }, 50);
  assert.equal(shown.texts, 2);
  // Junk changes nothing.
  bubbles.show({ t: "bubble", id: "5", text: "x" }, 60);
  bubbles.show({ t: "bubble", id: 6, text: 7 }, 60);
  assert.equal(made.length, 1);
});

test("a done bubble fades after its time and goes; a new message keeps it up", () => {
  const { bubbles, made } = setup();
  const spriteOf = () => sprite(0, 100);
  bubbles.show({ t: "bubble", id: 5, text: "Hello.", done: true }, 1000);
  bubbles.draw(spriteOf, 1000 + BUBBLE_STAYS_MS - 1);
  assert.equal(made[0].alpha, 1);
  bubbles.show({ t: "bubble", id: 5, text: "Hello. And…", done: false }, 1000 + BUBBLE_STAYS_MS);
  bubbles.draw(spriteOf, 1000 + BUBBLE_STAYS_MS + BUBBLE_FADE_MS * 2);
  assert.equal(made[0].alpha, 1, "still speaking");
  bubbles.show({ t: "bubble", id: 5, text: "Hello. And bye.", done: true }, 20000);
  bubbles.draw(spriteOf, 20000 + BUBBLE_STAYS_MS + BUBBLE_FADE_MS / 2);
  assert.equal(made[0].alpha, 0.5);
  bubbles.draw(spriteOf, 20000 + BUBBLE_STAYS_MS + BUBBLE_FADE_MS);
  assert.equal(made[0].destroyed, true);
  assert.deepEqual(bubbles.snapshot(), {});
});

test("a new map takes every bubble away", () => {
  const { bubbles, made } = setup();
  bubbles.show({ t: "bubble", id: 5, text: "a", done: false }, 0);
  bubbles.show({ t: "bubble", id: 6, text: "b", done: false }, 0);
  bubbles.clear();
  assert.deepEqual(made.map((t) => t.destroyed), [true, true]);
  assert.deepEqual(bubbles.snapshot(), {});
});
