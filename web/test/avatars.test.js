// The avatars on screen: made, animated, placed, clicked and removed,
// with a stand-in for the Phaser scene that records what it was asked.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  AGENT_BADGE, AGENT_BUBBLES, AGENT_NAME_COLOR, Avatars, CLICK_SLOP, ROLE_MAX, STATUS_MARKS, THINKING_TICKS,
  agentBubble, agentTagText, animationKey, avatarAnimations,
} from "../src/avatars.js";
import { AVATAR_DEPTH } from "../src/maploader.js";
import { FACING_LEFT, Obstacles, RIGHT, WALK } from "../src/movement.js";
import { World } from "../src/world.js";

const MANIFEST = {
  frameWidth: 32, frameHeight: 48, originX: 16, originY: 44,
  animations: { idle: { start: 0, frames: 2, fps: 2 }, walk: { start: 2, frames: 4, fps: 8 }, run: { start: 6, frames: 4, fps: 12 } },
  avatars: [{ name: "fox", file: "fox.png" }, { name: "owl", file: "owl.png" }],
};

class FakeObject {
  constructor(kind, texture) {
    this.kind = kind;
    this.texture = texture;
    this.handlers = new Map();
    this.destroyed = false;
    this.x = 0;
    this.y = 0;
    this.anims = { currentAnim: null };
  }
  setOrigin(x, y) { this.origin = [x, y]; return this; }
  setPosition(x, y) { this.x = x; this.y = y; return this; }
  setDepth(depth) { this.depth = depth; return this; }
  setAlpha(alpha) { this.alpha = alpha; return this; }
  setInteractive(options) { this.interactive = options; return this; }
  setText(text) { this.text = text; this.texts = (this.texts ?? 0) + 1; return this; }
  setColor(color) { this.color = color; return this; }
  setVisible(visible) { this.visible = visible; return this; }
  setBackgroundColor(color) { this.background = color; return this; }
  play(key) { this.anims.currentAnim = { key }; this.played = (this.played ?? 0) + 1; return this; }
  on(name, callback) { this.handlers.set(name, [...(this.handlers.get(name) ?? []), callback]); return this; }
  emit(name, ...args) { for (const callback of this.handlers.get(name) ?? []) callback(...args); }
  destroy() { this.destroyed = true; this.emit("destroy"); }
}

function fakeScene() {
  const made = [];
  const animations = new Map();
  return {
    made,
    animations,
    add: {
      sprite: (x, y, texture) => { const sprite = new FakeObject("sprite", texture); made.push(sprite); return sprite; },
      text: (x, y, text, style) => {
        const label = new FakeObject("text");
        label.text = text;
        label.style = style;
        made.push(label);
        return label;
      },
    },
    anims: {
      exists: (key) => animations.has(key),
      create: (config) => animations.set(config.key, config),
      generateFrameNumbers: (texture, { start, end }) => ({ texture, start, end }),
    },
  };
}

const entity = (id, name, avatar = "owl") => ({ id, name, avatar, connected: true, user: id * 10 });

test("every avatar has an animation for each facing and state, from its row of the sheet", () => {
  const made = avatarAnimations(MANIFEST);
  assert.equal(made.length, 2 * 4 * 3);
  assert.deepEqual(made.find((a) => a.key === "owl-walk-left"),
    { key: "owl-walk-left", texture: "avatar:owl", start: 12, end: 15, fps: 8 });
  assert.equal(animationKey("fox", WALK, FACING_LEFT), "fox-walk-left");
  assert.equal(animationKey("fox", 9, 9), "fox-idle-down");

  const scene = fakeScene();
  const avatars = new Avatars({ scene, manifest: MANIFEST });
  avatars.makeAnimations();
  avatars.makeAnimations();
  assert.equal(scene.animations.size, 24);
  assert.deepEqual(scene.animations.get("fox-run-up").frames, { texture: "avatar:fox", start: 36, end: 39 });
  const queued = [];
  avatars.preload({ spritesheet: (key, url, frames) => queued.push([key, url, frames]) });
  assert.deepEqual(queued[1], ["avatar:owl", "/assets/avatars/owl.png", { frameWidth: 32, frameHeight: 48 }]);
});

test("the player's own avatar is made once, others once each, an unknown avatar as the first", () => {
  const scene = fakeScene();
  const avatars = new Avatars({ scene, manifest: MANIFEST });
  const first = avatars.setSelf(1, "Ada", "fox");
  const self = avatars.setSelf(1, "Ada", "fox");
  assert.equal(first.destroyed, true, "a second welcome replaces the first avatar");
  assert.equal(first.label.destroyed, true);
  assert.equal(self.texture, "avatar:fox");
  assert.deepEqual(self.origin, [0.5, 44 / 48]);
  avatars.add(entity(1, "Ada"));
  avatars.add(entity(2, "Bob"));
  avatars.add(entity(2, "Bob"));
  avatars.add(entity(3, "Cy", "dragon"));
  assert.deepEqual([...avatars.others.keys()], [2, 3]);
  assert.equal(avatars.others.get(3).texture, "avatar:fox");
  assert.equal(avatars.others.get(2).label.text, "Bob");
  assert.equal(avatars.spriteOf(1), self);
  assert.equal(avatars.spriteOf(2), avatars.others.get(2));
  assert.equal(avatars.spriteOf(9), null);

  const bob = avatars.others.get(2);
  avatars.remove(2);
  assert.equal(bob.destroyed && bob.label.destroyed, true);
  const cy = avatars.others.get(3);
  avatars.clear();
  assert.equal(cy.destroyed, true);
  assert.equal(avatars.others.size, 0);
  assert.equal(self.destroyed, false, "clearing the others leaves the player's own");
});

test("a click on another avatar or its name reports it; a drag does not", () => {
  const clicked = [];
  const avatars = new Avatars({ scene: fakeScene(), manifest: MANIFEST, onClicked: (e) => clicked.push(e.name) });
  avatars.add(entity(2, "Bob"));
  const bob = avatars.others.get(2);
  assert.deepEqual(bob.interactive, { useHandCursor: true });
  bob.emit("pointerup", { getDistance: () => 3 });
  bob.label.emit("pointerup", { getDistance: () => CLICK_SLOP });
  bob.emit("pointerup", { getDistance: () => CLICK_SLOP + 1 });
  assert.deepEqual(clicked, ["Bob", "Bob"]);
});

test("avatars are placed in pixels, in front of those higher up, faded while disconnected", () => {
  const avatars = new Avatars({ scene: fakeScene(), manifest: MANIFEST });
  avatars.add(entity(2, "Bob"));
  const bob = avatars.others.get(2);
  avatars.place(bob, 6000, 3000, FACING_LEFT, WALK, false);
  assert.deepEqual([bob.x, bob.y], [100, 50]);
  assert.equal(bob.depth, AVATAR_DEPTH + 50 / 10000);
  assert.equal(bob.alpha, 0.45);
  assert.equal(bob.anims.currentAnim.key, "owl-walk-left");
  assert.deepEqual([bob.label.x, bob.label.y, bob.label.alpha], [100, 50 - 48 + 4, 0.6]);
  // The same animation is not restarted at every frame.
  avatars.place(bob, 6060, 3000, FACING_LEFT, WALK, true);
  assert.equal(bob.played, 1);
  assert.equal(bob.alpha, 1);
  assert.deepEqual(avatars.positions(), { 2: [6060, 3000] });
});

test("the others are drawn where the world has them between ticks, the player where predicted", () => {
  const obstacles = new Obstacles(() => false, 32, 32);
  const world = new World(obstacles);
  world.welcome({ id: 1, tick: 100, entities: [[2, "Bob", "owl", true, 100, 9600, 9600, RIGHT, 2, 20]] });
  const avatars = new Avatars({ scene: fakeScene(), manifest: MANIFEST });
  avatars.setSelf(1, "Ada", "fox");
  for (const known of world.entities.values()) avatars.add(known);
  avatars.drawOthers(world, 102.5, obstacles);
  assert.deepEqual(avatars.positions(), { 2: [9600 + 2.5 * 160, 9600] });
  avatars.drawSelf({ drawnPosition: () => [1200, 600], body: { facing: 0, state: 0 } });
  assert.deepEqual([avatars.self.x, avatars.self.y, avatars.self.alpha], [20, 10, 1]);
});

test("away, busy and do-not-disturb players have a mark after their name; online players none", () => {
  const obstacles = new Obstacles(() => false, 32, 32);
  const world = new World(obstacles);
  world.welcome({ id: 1, tick: 100, entities: [
    [2, "Bob", "owl", true, 100, 9600, 9600, 0, 0, 20, "online"],
    [3, "Cy", "fox", true, 100, 6000, 6000, 0, 0, 30, "dnd"],
  ] });
  const scene = fakeScene();
  const avatars = new Avatars({ scene, manifest: MANIFEST });
  for (const known of world.entities.values()) avatars.add(known);
  const texts = () => scene.made.filter((made) => made.kind === "text").length;
  const before = texts();
  avatars.drawOthers(world, 100, obstacles);
  const bob = avatars.others.get(2);
  const cy = avatars.others.get(3);
  assert.equal(bob.mark, undefined, "no mark made for an online player");
  assert.equal(texts(), before + 1);
  assert.equal(cy.mark.text, STATUS_MARKS.dnd.text);
  assert.equal(cy.mark.color, STATUS_MARKS.dnd.color);
  assert.equal(cy.mark.visible, true);
  assert.equal(cy.mark.y, cy.label.y, "beside the name");
  world.applyPatch({ tick: 103, chg: [[2, { s: "away" }], [3, { s: "online" }]] });
  avatars.drawOthers(world, 103, obstacles);
  assert.equal(bob.mark.text, STATUS_MARKS.away.text);
  assert.equal(cy.mark.visible, false);
  avatars.remove(3);
  assert.equal(cy.mark.destroyed, true, "the mark goes with its avatar");
});

test("what an agent's tag and bubble say", () => {
  const agent = (state, role = "the guide") => ({ id: "scout", role, state, withId: 7 });
  assert.equal(agentTagText(agent("idle")), `${AGENT_BADGE} the guide`);
  assert.equal(agentTagText(agent("idle", "")), AGENT_BADGE, "the badge alone marks an agent without a role");
  const long = agentTagText(agent("idle", "x".repeat(40)));
  assert.equal(long, `${AGENT_BADGE} ${"x".repeat(ROLE_MAX - 1)}…`);
  assert.equal(agentBubble(agent("idle"), "Ada", 0), null);
  assert.equal(agentBubble(agent("dancing"), "Ada", 0), null);
  assert.deepEqual(agentBubble(agent("talking"), "Ada", 0), { text: "talking with Ada", ...AGENT_BUBBLES.talking });
  assert.equal(agentBubble(agent("talking"), "you", 0).text, "talking with you");
  assert.equal(agentBubble(agent("talking"), null, 0).text, "talking");
  assert.deepEqual(agentBubble(agent("listening"), "Ada", 0), { text: "listening to Ada", ...AGENT_BUBBLES.listening });
  assert.equal(agentBubble(agent("listening"), null, 0).text, "listening");
  // Thinking: dots that grow every THINKING_TICKS ticks, then start again.
  const dots = [0, THINKING_TICKS, 2 * THINKING_TICKS, 3 * THINKING_TICKS, THINKING_TICKS - 0.5]
    .map((tick) => agentBubble(agent("thinking"), "Ada", tick).text.trim());
  assert.deepEqual(dots, ["•", "••", "•••", "•", "•"]);
  assert.equal(agentBubble(agent("thinking"), null, 0).background, AGENT_BUBBLES.thinking.background);
});

test("an agent is drawn with a gold name, its tag under it, no status mark, and a bubble while busy", () => {
  const obstacles = new Obstacles(() => false, 32, 32);
  const world = new World(obstacles);
  world.welcome({ id: 1, tick: 100, entities: [
    [2, "Bob", "owl", true, 100, 9600, 9600, 0, 0, 20, "busy"],
    [5, "Scout", "owl", true, 100, 6000, 6000, 0, 0, null, "busy", ["scout", "the guide", "idle", null]],
  ] });
  const scene = fakeScene();
  const clicked = [];
  const avatars = new Avatars({ scene, manifest: MANIFEST, onClicked: (e) => clicked.push(e.id) });
  avatars.setSelf(1, "Ada", "fox");
  for (const known of world.entities.values()) avatars.add(known);
  avatars.drawOthers(world, 100, obstacles);
  const bob = avatars.others.get(2);
  const scout = avatars.others.get(5);
  assert.equal(bob.tag, undefined, "a player has no tag");
  assert.equal(bob.label.color, undefined, "nor a changed name");
  assert.equal(bob.mark.text, STATUS_MARKS.busy.text);
  assert.equal(scout.label.text, "Scout", "the name is the agent's own");
  assert.equal(scout.label.color, AGENT_NAME_COLOR);
  assert.equal(scout.mark, undefined, "a status mark is a player's");
  assert.equal(scout.tag.text, `${AGENT_BADGE} the guide`);
  assert.equal(scout.tag.visible, true);
  assert.equal(scout.bubble, undefined, "an idle agent has no bubble");
  // Bottom up over the head: the tag, then the name.
  const top = 100 - 48 + 4;
  assert.deepEqual([scout.tag.x, scout.tag.y], [100, top]);
  assert.ok(scout.label.y < top, "the name above the tag");
  assert.equal(scout.tag.depth, AVATAR_DEPTH * 2);

  world.applyPatch({ tick: 103, chg: [[5, { a: ["thinking", 1] }]] });
  const phase = 6 * THINKING_TICKS;
  avatars.drawOthers(world, phase, obstacles);
  assert.equal(scout.bubble.text.trim(), "•");
  assert.equal(scout.bubble.background, AGENT_BUBBLES.thinking.background);
  assert.ok(scout.bubble.y < scout.label.y, "the bubble above the name");
  // Frames within the same phase change nothing; the next phase one text.
  for (let tick = phase; tick < phase + THINKING_TICKS; tick += 0.3) avatars.drawOthers(world, tick, obstacles);
  assert.equal(scout.bubble.texts, 1);
  assert.equal(scout.tag.texts, 1);
  avatars.drawOthers(world, phase + THINKING_TICKS, obstacles);
  assert.equal(scout.bubble.text.trim(), "••");
  assert.equal(scout.bubble.texts, 2);

  world.applyPatch({ tick: 200, chg: [[5, { a: ["talking", 1] }]] });
  avatars.drawOthers(world, 200, obstacles);
  assert.equal(scout.bubble.text, "talking with you");
  assert.equal(scout.bubble.background, AGENT_BUBBLES.talking.background);
  world.applyPatch({ tick: 201, chg: [[5, { a: ["listening", 2] }]] });
  avatars.drawOthers(world, 201, obstacles);
  assert.equal(scout.bubble.text, "listening to Bob");
  world.applyPatch({ tick: 202, chg: [[5, { a: ["talking", 99] }]] });
  avatars.drawOthers(world, 202, obstacles);
  assert.equal(scout.bubble.text, "talking", "someone out of view is not named");
  world.applyPatch({ tick: 203, chg: [[5, { a: ["idle", null] }]] });
  avatars.drawOthers(world, 203, obstacles);
  assert.equal(scout.bubble.visible, false);
  assert.equal(scout.mark, undefined, "still no status mark");

  // The tag and the bubble are the agent's, to click as its name is.
  scout.tag.emit("pointerup", { getDistance: () => 1 });
  scout.bubble.emit("pointerup", { getDistance: () => 1 });
  scout.emit("pointerup", { getDistance: () => 1 });
  assert.deepEqual(clicked, [5, 5, 5]);
  const { tag, bubble } = scout;
  avatars.remove(5);
  assert.equal(tag.destroyed && bubble.destroyed, true, "they go with the agent");
});

test("the texts over an avatar are sharp at zoom 4 and readable at zoom 1", () => {
  const scene = fakeScene();
  const avatars = new Avatars({ scene, manifest: MANIFEST });
  const world = new World(new Obstacles(() => false, 32, 32));
  world.welcome({ id: 1, tick: 0, entities: [
    [5, "Scout", "owl", true, 0, 6000, 6000, 0, 0, null, "online", ["scout", "the guide", "thinking", null]],
  ] });
  avatars.add(world.entities.get(5));
  avatars.drawOthers(world, 0, world.obstacles);
  const scout = avatars.others.get(5);
  for (const text of [scout.label, scout.tag, scout.bubble]) {
    assert.ok(text.style.resolution >= 4);
    assert.ok(parseInt(text.style.fontSize, 10) >= 9);
  }
  // Drawn as a player again (should an id ever change hands), it loses
  // the agent's look, and its name goes back down over the head.
  avatars.showAgent(scout, null, null, 0);
  avatars.place(scout, 6000, 6000, 0, 0, true);
  assert.deepEqual([scout.label.color, scout.tag.visible, scout.bubble.visible], ["#ffffff", false, false]);
  assert.equal(scout.label.y, 100 - 48 + 4);
});
