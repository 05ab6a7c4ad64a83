// The camera: whole zooms, following the player, room left for sheets.
import { test } from "node:test";
import assert from "node:assert/strict";

import { CameraRig, zoomFor } from "../src/camera.js";

function fakeCamera() {
  return {
    zoom: 1,
    worldView: { x: 100, y: 40, width: 640, height: 360 },
    setZoom(zoom) { this.zoom = zoom; },
    setBounds(...bounds) { this.bounds = bounds; },
    startFollow(target, rounded) { this.following = [target, rounded]; this.offset = [0, 0]; },
    setFollowOffset(x, y) { this.offset = [x, y]; },
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
