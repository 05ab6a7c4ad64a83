// The partners' voices through Web Audio: gains that glide, levels read
// before the gain, and sound that a browser holds back until the player
// touches the page.
import { test } from "node:test";
import assert from "node:assert/strict";

import { GAIN_SMOOTHING_SECONDS } from "../src/gain.js";
import { SPEAKING_HOLD_MS, SpeakingMeter, Voice } from "../src/voice.js";
import { FakeAudioContext, FakeAudioElement, FakeEvents, FakeStream, FakeTrack, settle } from "./fakes/media.js";

function setup(contextOptions) {
  const context = new FakeAudioContext(contextOptions);
  const elements = [];
  const gestures = new FakeEvents();
  let changes = 0;
  const voice = new Voice({
    context,
    createAudio: () => {
      const element = new FakeAudioElement();
      elements.push(element);
      return element;
    },
    MediaStream: FakeStream,
    gestures,
    onChange: () => changes++,
  });
  const nodes = (kind) => context.made.filter((node) => node.kind === kind);
  return { voice, context, elements, gestures, nodes, changes: () => changes };
}

test("a partner's voice: source → gain → speakers, with the stream also playing in a muted element", () => {
  const { voice, context, elements, nodes } = setup();
  const track = new FakeTrack("audio");
  voice.attach(7, track);
  assert.equal(elements.length, 1);
  assert.equal(elements[0].muted, true, "only Web Audio is heard");
  assert.equal(elements[0].playing, true, "Chromium feeds Web Audio only what an element plays");
  assert.deepEqual(elements[0].srcObject.getTracks(), [track]);
  const [source] = nodes("source");
  const [gain] = nodes("gain");
  const [analyser] = nodes("analyser");
  assert.deepEqual(source.stream.getTracks(), [track]);
  assert.ok(source.outputs.has(gain) && source.outputs.has(analyser));
  assert.ok(gain.outputs.has(context.destination));
  assert.equal(analyser.outputs.size, 0, "the analyser only listens");
  assert.equal(gain.gain.value, 0, "silent until the distance is known");
});

test("gains glide to their targets, never jump; a change too small to hear is left alone", () => {
  const { voice, context, nodes } = setup();
  voice.attach(7, new FakeTrack("audio"));
  const { gain } = nodes("gain")[0];
  context.currentTime = 12.5;
  voice.setGain(7, 0.8);
  voice.setGain(7, 0.8005);
  voice.setGain(7, 0);
  assert.deepEqual(gain.ramps, [
    { target: 0.8, startTime: 12.5, timeConstant: GAIN_SMOOTHING_SECONDS },
    { target: 0, startTime: 12.5, timeConstant: GAIN_SMOOTHING_SECONDS },
  ]);
  assert.equal(gain.value, 0, "never set outright");
  assert.equal(voice.gainOf(7), 0);
  assert.equal(voice.gainOf(8), null);
  voice.setGain(8, 1);
});

test("the level is what arrives, before distance and volume; nothing without audio", () => {
  const { voice, nodes } = setup();
  voice.attach(7, new FakeTrack("audio"));
  voice.setGain(7, 0);
  nodes("analyser")[0].amplitude = 0.5;
  assert.equal(voice.level(7), 0.5);
  assert.equal(voice.level(8), 0);
});

test("the same track again changes nothing; leaving disconnects everything", () => {
  const { voice, elements, nodes } = setup();
  const track = new FakeTrack("audio");
  voice.attach(7, track);
  voice.attach(7, track);
  assert.equal(elements.length, 1);
  voice.attach(7, new FakeTrack("audio"));
  assert.equal(elements.length, 2, "another track replaces the first");
  assert.equal(elements[0].srcObject, null);
  voice.detach(7);
  voice.detach(7);
  assert.equal(elements[1].playing, false);
  assert.ok(nodes("source").every((node) => node.outputs.size === 0));
  assert.ok(nodes("gain").every((node) => node.outputs.size === 0));
  voice.attach(8, new FakeTrack("audio"));
  voice.clear();
  assert.equal(voice.voices.size, 0);
});

test("sound held back by the browser: blocked until a key or tap starts it", async () => {
  const { voice, context, gestures, changes } = setup({ state: "suspended", resumable: false });
  await settle();
  assert.equal(voice.blocked, true);
  assert.equal(gestures.listening("keydown"), 1);
  assert.equal(gestures.listening("pointerup"), 1);
  // The player presses a key: now the browser lets it start.
  context.resumable = true;
  gestures.dispatch("keydown");
  await settle();
  assert.equal(context.state, "running");
  assert.equal(voice.blocked, false);
  assert.ok(changes() >= 1, "the page hears of it (the button goes)");
  assert.equal(gestures.listening("keydown"), 0, "no more listening once running");
});

test("the button's click starts the sound", async () => {
  const { voice, context } = setup({ state: "suspended", resumable: false });
  context.resumable = true;
  voice.resume();
  await settle();
  assert.equal(voice.blocked, false);
  const running = setup();
  assert.equal(running.voice.blocked, false);
  assert.equal(running.gestures.listening("keydown"), 0);
  assert.equal(running.context.resumes, 0);
});

test("speaking: loud enough now, or a moment ago", () => {
  const meter = new SpeakingMeter();
  assert.equal(meter.update(0, 0), false);
  assert.equal(meter.update(0.2, 100), true);
  assert.equal(meter.update(0.001, 100 + SPEAKING_HOLD_MS), true, "between two words");
  assert.equal(meter.update(0.001, 101 + SPEAKING_HOLD_MS), false);
});
