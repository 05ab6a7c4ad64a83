// The camera: whole zooms, following the player, room left for sheets.
import { test } from "node:test";
import assert from "node:assert/strict";

import { CameraRig, focusZoom, zoomFor } from "../src/camera.js";

function fakeCamera() {
  return {
    zoom: 1,
    worldView: { x: 100, y: 40, width: 640, height: 360 },
    setZoom(zoom) { this.zoom = zoom; },
    setBounds(...bounds) { this.bounds = bounds; },
    startFollow(target, rounded) { this.following = [target, rounded]; this.offset = [0, 0]; },
    stopFollow() { this.following = null; },
    setFollowOffset(x, y) { this.offset = [x, y]; },
    centerOn(x, y) { this.centre = [x, y]; },
  };
}

test("the zoom is the largest whole number that still shows 480 x 320 px", () => {
  assert.equal(zoomFor(1280, 720), 2);
  assert.equal(zoomFor(1920, 1280), 4);
  assert.equal(zoomFor(390, 844), 1);
  assert.equal(zoomFor(4000, 4000), 4);
});

test("covers reported before the camera count; the tallest is kept above, the avatar centred over it", () => {
  const rig = new CameraRig();
  rig.setCovered(300);
  rig.setCovered(422, "call");
  assert.equal(rig.coveredBottom, 422);
  const camera = fakeCamera();
  rig.attach(camera);
  rig.fit(1280, 720);
  assert.equal(camera.zoom, 2);
  assert.deepEqual(camera.offset, [0, -422 / 2 / 2]);
  // startFollow forgets the offset; following puts it back.
  rig.follow("me");
  assert.deepEqual(camera.following, ["me", true]);
  assert.deepEqual(camera.offset, [0, -422 / 2 / 2]);
  rig.setCovered(0, "call");
  assert.equal(rig.coveredBottom, 300);
  rig.setCovered(0);
  assert.deepEqual(camera.offset, [0, -0]);
  rig.setBounds(768, 576);
  assert.deepEqual(camera.bounds, [0, 0, 768, 576]);
});

test("world points are found on the page through the camera's view and zoom", () => {
  const rig = new CameraRig();
  const camera = fakeCamera();
  rig.attach(camera);
  camera.zoom = 2;
  assert.deepEqual(rig.visibleWorld(), [100, 40, 640, 360]);
  assert.deepEqual(rig.pagePoint(150, 60, { left: 10, top: 5 }), { x: 10 + 50 * 2, y: 5 + 20 * 2 });
});

test("a focus zooms so that the area and its margin fill the view", () => {
  // 300 x 200 px with a margin of 0.5 frames 450 x 300 px.
  assert.equal(focusZoom({ width: 300, height: 200, margin: 0.5 }, 1350, 1200), 3);
  assert.equal(focusZoom({ width: 300, height: 200, margin: 0.5 }, 1800, 600), 2);
  assert.equal(focusZoom({ width: 10, height: 10, margin: 0 }, 1000, 1000), 4, "at most 4");
  assert.equal(focusZoom({ width: 5000, height: 5000, margin: 0 }, 1000, 1000), 0.5, "at least 0.5");
});

test("inside a focusable zone the camera frames it, and follows the player again outside", () => {
  const rig = new CameraRig();
  const camera = fakeCamera();
  rig.attach(camera);
  rig.fit(1280, 720);
  rig.follow("me");
  rig.focus({ x: 100, y: 50, width: 320, height: 180, margin: 0 });
  assert.equal(camera.following, null);
  assert.equal(camera.zoom, 4);
  assert.deepEqual(camera.centre, [260, 140]);
  // A new window size frames it again; following (a new avatar) waits.
  rig.fit(640, 720);
  assert.equal(camera.zoom, 2);
  rig.follow("me again");
  assert.equal(camera.following, null);
  rig.unfocus();
  assert.equal(camera.zoom, 1);
  assert.deepEqual(camera.following, ["me again", true]);
  assert.deepEqual(camera.offset, [0, -0]);
  rig.unfocus();
  assert.deepEqual(camera.following, ["me again", true]);
});

test("a focus keeps the area in the middle of what a sheet leaves visible", () => {
  const rig = new CameraRig();
  const camera = fakeCamera();
  rig.fit(1000, 1000);
  rig.focus({ x: 0, y: 0, width: 100, height: 100, margin: 1 });
  // Focus reported before the camera: applied when it comes.
  rig.attach(camera);
  assert.equal(camera.zoom, 4);
  assert.deepEqual(camera.centre, [50, 50]);
  rig.setCovered(600, "call");
  // 400 px visible: the area and margin (200 px) fit at zoom 2, and the
  // view's middle lies half the cover (300 CSS px, 150 px of world) lower.
  assert.equal(camera.zoom, 2);
  assert.deepEqual(camera.centre, [50, 50 + 150]);
});
