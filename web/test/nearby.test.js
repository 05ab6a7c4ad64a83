// The nearby strip: tiles for the people the player talks with, the
// questions of busy players, and the player's own controls, drawn from
// media.js's model on a stand-in document.
import { test } from "node:test";
import assert from "node:assert/strict";

import { NearbyView, TALK_ELEMENT_IDS, initialOf } from "../src/nearby.js";
import { FakeDocument, FakeStream, FakeTrack } from "./fakes/media.js";

function setup() {
  const page = new FakeDocument(Object.values(TALK_ELEMENT_IDS));
  const calls = [];
  const actions = new Proxy({}, { get: (target, name) => (...args) => calls.push([name, ...args]) });
  const view = new NearbyView({ page, MediaStream: FakeStream, actions });
  const el = (name) => page.getElementById(TALK_ELEMENT_IDS[name]);
  return { view, page, calls, el };
}

const model = (fields = {}) => ({
  peers: [], asks: [], waiting: [], muted: false, microphone: true, camera: null, error: null,
  soundBlocked: false, status: "online", microphones: [], cameras: [], microphoneId: null, cameraId: null, ...fields,
});
const peer = (pair, name, fields = {}) => ({ pair, name, state: "connected", volume: 1, video: null, ...fields });

test("the strip shows once the game runs", () => {
  const { el } = setup();
  assert.equal(el("root").hidden, false);
});

test("a tile per person: their initial until their video brings frames, their name as text", () => {
  const { view, el } = setup();
  const video = new FakeTrack("video", { muted: true });
  view.render(model({ peers: [peer(7, "<b>bob</b>", { video })] }));
  const [tile] = el("tiles").children;
  assert.equal(tile.byClass("name")[0].textContent, "<b>bob</b>");
  assert.equal(tile.byClass("initial")[0].textContent, "<");
  const [element] = tile.byTag("video");
  assert.deepEqual(element.srcObject.getTracks(), [video]);
  assert.equal(element.muted, true, "the voice is Web Audio's");
  assert.equal(element.hidden, true, "no frames yet: the initial");
  video.setMuted(false);
  assert.equal(element.hidden, false);
  assert.equal(tile.byClass("initial")[0].hidden, true);
  assert.ok(tile.classList.contains("video"));
  video.setMuted(true);
  assert.equal(element.hidden, true, "camera off: the initial again");
  assert.equal(initialOf("  ada"), "A");
  assert.equal(initialOf(""), "?");
});

test("tiles come and go with the people; one that stays is the same tile", () => {
  const { view, el } = setup();
  view.render(model({ peers: [peer(7, "Bob"), peer(8, "Cy", { state: "connecting" })] }));
  const [bob, cy] = el("tiles").children;
  assert.ok(cy.classList.contains("connecting"));
  assert.ok(!bob.classList.contains("connecting"));
  view.render(model({ peers: [peer(7, "Bob")] }));
  assert.deepEqual(el("tiles").children, [bob]);
});

test("each person's volume: reported as 0–1, left alone while the player drags it", () => {
  const { view, page, calls, el } = setup();
  view.render(model({ peers: [peer(7, "Bob", { volume: 0.5 })] }));
  const [slider] = el("tiles").children[0].byClass("volume");
  assert.equal(slider.value, "50");
  assert.equal(slider.getAttribute("aria-label"), "Volume of Bob");
  slider.value = "40";
  slider.dispatch("input");
  assert.deepEqual(calls, [["setVolume", 7, 0.4]]);
  page.activeElement = slider;
  view.render(model({ peers: [peer(7, "Bob", { volume: 0.5 })] }));
  assert.equal(slider.value, "40");
});

test("a ring while someone speaks", () => {
  const { view, el } = setup();
  view.render(model({ peers: [peer(7, "Bob")] }));
  const [tile] = el("tiles").children;
  view.showSpeaking(7, true);
  assert.ok(tile.classList.contains("speaking"));
  view.showSpeaking(7, false);
  assert.ok(!tile.classList.contains("speaking"));
  view.showSpeaking(99, true);
});

test("a busy player is asked (Accept / Not now); the player's own ask waits", () => {
  const { view, calls, el } = setup();
  const asked = model({ asks: [{ pair: 9, id: 3, name: "Cy" }], waiting: [{ pair: 10, id: 4, name: "Di" }] });
  view.render(asked);
  const [ask, waiting] = el("asks").children;
  assert.equal(ask.textContent, "Cy wants to talkAcceptNot now");
  assert.equal(waiting.textContent, "Asking Di…");
  view.render(asked);
  assert.equal(el("asks").children[0], ask, "drawn again, the same buttons (a click is not lost)");
  const [accept, decline] = ask.byTag("button");
  accept.click();
  decline.click();
  assert.deepEqual(calls, [["answer", 9, true], ["answer", 9, false]]);
  view.render(model());
  assert.deepEqual(el("asks").children, []);
});

test("the microphone, camera and sound buttons, the status and the error line", () => {
  const { view, calls, el } = setup();
  view.render(model());
  assert.equal(el("microphone").textContent, "Mute");
  assert.equal(el("camera").textContent, "Camera");
  assert.equal(el("error").hidden, true);
  assert.equal(el("sound").hidden, true);
  assert.equal(el("self").hidden, true);
  const camera = new FakeTrack("video");
  view.render(model({ muted: true, camera, error: "Camera blocked: …", soundBlocked: true, status: "dnd" }));
  assert.equal(el("microphone").textContent, "Unmute");
  assert.ok(el("microphone").classList.contains("off"));
  assert.equal(el("microphone").getAttribute("aria-pressed"), "true");
  assert.equal(el("camera").textContent, "Stop camera");
  assert.deepEqual(el("self").srcObject.getTracks(), [camera], "the player sees themselves");
  assert.equal(el("self").hidden, false);
  assert.equal(el("error").textContent, "Camera blocked: …");
  assert.equal(el("error").hidden, false);
  assert.equal(el("sound").hidden, false);
  assert.equal(el("status").value, "dnd");
  view.render(model({ microphone: false }));
  assert.equal(el("microphone").textContent, "Microphone off");
  for (const name of ["microphone", "camera", "sound"]) el(name).click();
  el("status").value = "busy";
  el("status").dispatch("change");
  assert.deepEqual(calls, [["toggleMicrophone"], ["toggleCamera"], ["soundOn"], ["chooseStatus", "busy"]]);
  assert.equal(el("microphone").blurred, undefined, "a keyboard's click keeps the focus");
  el("microphone").click(1);
  assert.equal(el("microphone").blurred, true, "a pointer's click gives the keys back to the game");
});

test("devices to choose from, the chosen one selected", () => {
  const { view, calls, el } = setup();
  view.render(model());
  assert.equal(el("microphones").disabled, true, "nothing to choose before the browser tells");
  const microphones = [{ deviceId: "mic-1", label: "Built-in" }, { deviceId: "mic-2", label: "Headset" }];
  view.render(model({ microphones, microphoneId: "mic-2" }));
  const options = el("microphones").children;
  assert.deepEqual(options.map((option) => [option.value, option.textContent]), [["mic-1", "Built-in"], ["mic-2", "Headset"]]);
  assert.equal(el("microphones").value, "mic-2");
  view.render(model({ microphones, microphoneId: "mic-2" }));
  assert.equal(el("microphones").children[0], options[0], "an open list is not redrawn");
  el("microphones").value = "mic-1";
  el("microphones").dispatch("change");
  assert.deepEqual(calls, [["chooseMicrophone", "mic-1"]]);
});
