// The player's microphone and camera: live once granted, muted for real,
// switched, refused or unplugged without breaking anything else.
import { test } from "node:test";
import assert from "node:assert/strict";

import { CAMERA_KEY, LocalMedia, MICROPHONE_KEY, mediaProblem } from "../src/localmedia.js";
import { FakeEvents, FakeStream, FakeTrack, memoryStorage } from "./fakes/media.js";

const failure = (name) => Object.assign(new Error(name), { name });

// navigator.mediaDevices: two microphones and a camera; refuse[kind] makes
// getUserMedia throw that error's name; hold keeps answers until released.
class FakeDevices extends FakeEvents {
  constructor() {
    super();
    this.list = [
      { kind: "audioinput", deviceId: "mic-1", label: "Built-in" },
      { kind: "audioinput", deviceId: "mic-2", label: "Headset" },
      { kind: "videoinput", deviceId: "cam-1", label: "" },
      { kind: "audiooutput", deviceId: "out-1", label: "Speakers" },
    ];
    this.refuse = { audio: null, video: null };
    this.asked = [];
    this.hold = false;
    this.held = [];
  }
  getUserMedia(constraints) {
    this.asked.push(constraints);
    const kind = constraints.audio ? "audio" : "video";
    const wanted = constraints[kind].deviceId?.exact ?? null;
    const answer = () => {
      if (this.refuse[kind]) throw failure(this.refuse[kind]);
      if (wanted !== null && !this.list.some((device) => device.deviceId === wanted)) throw failure("OverconstrainedError");
      const track = new FakeTrack(kind);
      track.deviceId = wanted ?? "default";
      return new FakeStream([track]);
    };
    if (!this.hold) return Promise.resolve().then(answer);
    return new Promise((resolve, reject) => this.held.push(() => {
      try {
        resolve(answer());
      } catch (error) {
        reject(error);
      }
    }));
  }
  async enumerateDevices() {
    return this.list;
  }
}

function setup({ devices = new FakeDevices(), stored = {} } = {}) {
  const storage = memoryStorage(stored);
  let changes = 0;
  const media = new LocalMedia({ devices, storage, onChange: () => changes++ });
  return { media, devices, storage, changes: () => changes };
}

test("the microphone is live as soon as it is granted; the camera stays off", async () => {
  const { media, devices, changes } = setup();
  assert.equal(await media.start(), true);
  assert.equal(media.microphone.kind, "audio");
  assert.equal(media.microphone.enabled, true);
  assert.equal(media.audioToSend, media.microphone);
  assert.equal(media.camera, null);
  assert.equal(media.videoToSend, null);
  assert.equal(media.error, null);
  assert.equal(devices.asked.length, 1, "no camera asked for");
  assert.equal(devices.asked[0].audio.echoCancellation, true);
  assert.deepEqual(media.microphones, [{ deviceId: "mic-1", label: "Built-in" }, { deviceId: "mic-2", label: "Headset" }]);
  assert.deepEqual(media.cameras, [{ deviceId: "cam-1", label: "Camera 1" }], "a device without a label still has a name");
  assert.ok(changes() >= 1);
});

test("muting disables the track and sends none; unmuting sends it again", async () => {
  const { media } = setup();
  await media.start();
  const microphone = media.microphone;
  await media.toggleMicrophone();
  assert.equal(media.muted, true);
  assert.equal(microphone.enabled, false);
  assert.equal(media.audioToSend, null);
  await media.toggleMicrophone();
  assert.equal(media.muted, false);
  assert.equal(microphone.enabled, true);
  assert.equal(media.audioToSend, microphone);
});

test("a refused or missing microphone is one line, and listening goes on", async () => {
  const { media, devices } = setup();
  devices.refuse.audio = "NotAllowedError";
  assert.equal(await media.start(), false);
  assert.equal(media.microphone, null);
  assert.equal(media.audioToSend, null);
  assert.equal(media.error, "Microphone blocked: allow it in your browser's site settings. You can still listen and chat.");
  assert.equal(mediaProblem("microphone", failure("NotFoundError")), "No microphone found. You can still listen and chat.");
  assert.match(mediaProblem("camera", failure("NotReadableError")), /camera is in use by another program/);
  assert.match(mediaProblem("microphone", failure("WeirdError")), /could not start \(WeirdError\)/);
  assert.ok(!media.error.includes("\n"));

  // The button asks again; this time the player allows it.
  devices.refuse.audio = null;
  assert.equal(await media.toggleMicrophone(), true);
  assert.notEqual(media.microphone, null);
  assert.equal(media.muted, false);
  assert.equal(media.error, null);
});

test("a page that is not secure has no devices: it says so", async () => {
  const media = new LocalMedia({ devices: undefined, storage: memoryStorage() });
  assert.equal(await media.start(), false);
  assert.match(media.error, /secure page \(https\)\. You can still listen and chat\./);
});

test("the camera turns on and off; a refusal leaves it off with a line", async () => {
  const { media, devices } = setup();
  await media.start();
  assert.equal(await media.setCamera(true), true);
  const camera = media.camera;
  assert.equal(camera.kind, "video");
  assert.equal(media.videoToSend, camera);
  assert.ok(devices.asked[1].video.width, "a small picture is enough");
  await media.setCamera(false);
  assert.equal(media.camera, null);
  assert.equal(camera.readyState, "ended", "the camera's light goes off");
  devices.refuse.video = "NotAllowedError";
  assert.equal(await media.setCamera(true), false);
  assert.equal(media.camera, null);
  assert.match(media.error, /^Camera blocked/);
  assert.equal(media.cameraWanted, false);
});

test("choosing another microphone replaces the track, stops the old one, stays muted, is remembered", async () => {
  const { media, devices, storage } = setup();
  await media.start();
  const first = media.microphone;
  media.setMuted(true);
  await media.chooseMicrophone("mic-2");
  assert.deepEqual(devices.asked.at(-1).audio.deviceId, { exact: "mic-2" });
  assert.notEqual(media.microphone, first);
  assert.equal(first.readyState, "ended");
  assert.equal(media.microphone.enabled, false, "still muted");
  assert.equal(media.audioToSend, null);
  assert.equal(storage.getItem(MICROPHONE_KEY), "mic-2");
  // The camera is only opened when it is on.
  await media.chooseCamera("cam-1");
  assert.equal(media.camera, null);
  assert.equal(storage.getItem(CAMERA_KEY), "cam-1");
  await media.setCamera(true);
  assert.deepEqual(devices.asked.at(-1).video.deviceId, { exact: "cam-1" });
});

test("a remembered device that is gone: the default one instead", async () => {
  const { media, devices } = setup({ stored: { [MICROPHONE_KEY]: "unplugged" } });
  assert.equal(await media.start(), true);
  assert.deepEqual(devices.asked.map((asked) => asked.audio.deviceId), [{ exact: "unplugged" }, undefined]);
  assert.equal(media.microphone.deviceId, "default");
});

test("two quick choices: the later one wins, the earlier's device is given back", async () => {
  const { media, devices } = setup();
  devices.hold = true;
  const first = media.chooseMicrophone("mic-1");
  const second = media.chooseMicrophone("mic-2");
  const [answerFirst, answerSecond] = devices.held;
  answerSecond();
  assert.equal(await second, true);
  answerFirst();
  assert.equal(await first, false);
  assert.equal(media.microphone.deviceId, "mic-2");
});

test("an unplugged microphone: one line, and the button asks again", async () => {
  const { media } = setup();
  await media.start();
  media.microphone.end();
  assert.equal(media.microphone, null);
  assert.match(media.error, /microphone stopped/);
  await media.toggleMicrophone();
  assert.notEqual(media.microphone, null);
  assert.equal(media.error, null);
});
