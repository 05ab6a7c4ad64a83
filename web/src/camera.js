// The camera: crisp whole-number zoom for the window's size, following the
// player's avatar, and keeping it in the middle of what is still visible
// when a sheet (the chat, a meeting on a phone) covers the bottom of the
// game. Works on a Phaser camera passed in once the scene has one; covers
// may be reported before that.

// The largest whole zoom (1 to 4) that still shows 480 x 320 px of world.
export function zoomFor(width, height) {
  return Math.max(1, Math.min(4, Math.floor(Math.min(width / 480, height / 320))));
}

export class CameraRig {
  constructor() {
    this.camera = null;
    // CSS pixels of the game hidden at the bottom, by what hides them.
    this.covers = new Map();
    this.coveredBottom = 0;
  }

  // camera: the scene's main Phaser camera.
  attach(camera) {
    this.camera = camera;
    this.centre();
  }

  // The game is now width x height CSS pixels.
  fit(width, height) {
    if (this.camera === null) return;
    this.camera.setZoom(zoomFor(width, height));
    this.centre();
  }

  // The world is this big (px): the camera stays inside it.
  setBounds(width, height) {
    this.camera?.setBounds(0, 0, width, height);
  }

  follow(sprite) {
    if (this.camera === null) return;
    this.camera.startFollow(sprite, true);
    // startFollow forgets the offset: put the avatar above the cover again.
    this.centre();
  }

  // `by` (the chat sheet, the call panel) covers this much of the bottom
  // of the game (0: none); the tallest cover counts.
  setCovered(pixels, by = "chat") {
    this.covers.set(by, pixels);
    this.coveredBottom = Math.max(0, ...this.covers.values());
    this.centre();
  }

  centre() {
    if (this.camera === null) return;
    this.camera.setFollowOffset(0, -this.coveredBottom / 2 / this.camera.zoom);
  }

  // What the camera shows of the world, in px: [x, y, width, height].
  visibleWorld() {
    const view = this.camera.worldView;
    return [view.x, view.y, view.width, view.height];
  }

  // Where a point of the world (px) is on the page (CSS px), given where
  // the game's canvas is on the page ({left, top}).
  pagePoint(x, y, canvas) {
    const { worldView, zoom } = this.camera;
    return { x: canvas.left + (x - worldView.x) * zoom, y: canvas.top + (y - worldView.y) * zoom };
  }
}
