// Zone sounds: one element per address, and a browser's refusal to play
// before the player has touched the page answered at the next touch.
import { test } from "node:test";
import assert from "node:assert/strict";

import { SoundBoard, nextGesture } from "../src/sounds.js";

class FakeAudio {
  constructor(url, refusal) {
    this.url = url;
    this.refusal = refusal;
    this.plays = 0;
    this.paused = true;
  }
  play() {
    this.plays++;
    const refusal = this.refusal.next;
    if (refusal) return Promise.reject(Object.assign(new Error(refusal), { name: refusal }));
    this.paused = false;
    return Promise.resolve();
  }
  pause() { this.paused = true; }
}

function setup() {
  const made = [];
  // What the browser answers play() with: null, or an error name.
  const refusal = { next: null };
  let gesture = null;
  const board = new SoundBoard({
    createAudio: (url) => {
      const audio = new FakeAudio(url, refusal);
      made.push(audio);
      return audio;
    },
    onGesture: (callback) => {
      assert.equal(gesture, null, "one wait at a time");
      gesture = callback;
    },
  });
  const touch = () => {
    const callback = gesture;
    gesture = null;
    callback?.();
  };
  return { board, made, refusal, touch, waiting: () => gesture !== null };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test("a sound is made once, and takes each new volume and loop", async () => {
  const { board, made } = setup();
  board.play("/maps/lounge.wav", 0.4, true);
  board.play("/maps/lounge.wav", 0.8, false);
  assert.equal(made.length, 1);
  assert.deepEqual([made[0].volume, made[0].loop, made[0].paused], [0.8, false, false]);
  board.stop("/maps/lounge.wav");
  assert.equal(made[0].paused, true);
  board.stop("/maps/lounge.wav");
  board.play("/maps/lounge.wav", 1, true);
  assert.equal(made.length, 2);
});

test("a sound the browser refuses plays at the player's next key or tap", async () => {
  const { board, made, refusal, touch, waiting } = setup();
  refusal.next = "NotAllowedError";
  board.play("/a.wav", 1, true);
  board.play("/b.wav", 1, true);
  await settle();
  assert.equal(waiting(), true);
  assert.deepEqual(made.map((a) => a.paused), [true, true]);
  refusal.next = null;
  touch();
  assert.deepEqual(made.map((a) => [a.plays, a.paused]), [[2, false], [2, false]]);
  await settle();
  assert.equal(waiting(), false);
});

test("a refused sound stopped before the touch stays stopped", async () => {
  const { board, made, refusal, touch } = setup();
  refusal.next = "NotAllowedError";
  board.play("/a.wav", 1, true);
  await settle();
  board.stop("/a.wav");
  refusal.next = null;
  touch();
  assert.equal(made[0].plays, 1);
  assert.equal(made[0].paused, true);
});

test("a sound that cannot be played at all is not retried, and nothing throws", async () => {
  const { board, made, refusal, waiting } = setup();
  refusal.next = "NotSupportedError";
  board.play("/missing.wav", 1, false);
  await settle();
  assert.equal(waiting(), false);
  const throwing = new SoundBoard({
    createAudio: () => ({ play() { throw new Error("old browser"); }, pause() {} }),
    onGesture: () => assert.fail("not an autoplay refusal"),
  });
  assert.doesNotThrow(() => throwing.play("/x.wav", 1, false));
  await settle();
  assert.equal(made.length, 1);
});

test("the next gesture is the first key or pointer press, seen once", () => {
  const target = new EventTarget();
  const seen = [];
  nextGesture(target)(() => seen.push("gesture"));
  target.dispatchEvent(new Event("pointermove"));
  assert.deepEqual(seen, []);
  target.dispatchEvent(new Event("pointerdown"));
  target.dispatchEvent(new Event("keydown"));
  assert.deepEqual(seen, ["gesture"]);
});
