// The camera: crisp whole-number zoom for the window's size, following the
// player's avatar, and keeping it in the middle of what is still visible
// when a sheet (the chat, a meeting on a phone) covers the bottom of the
// game. Inside a focusable zone it frames the zone instead: zoomed so that
// the zone and its margin fill what is visible, centred on it, until the
// player leaves. Works on a Phaser camera passed in once the scene has
// one; covers and focus may be reported before that.

// The largest whole zoom (1 to 4) that still shows 480 x 320 px of world.
export function zoomFor(width, height) {
  return Math.max(1, Math.min(4, Math.floor(Math.min(width / 480, height / 320))));
}

// How far a focus may zoom out and in.
export const MIN_FOCUS_ZOOM = 0.5;
export const MAX_FOCUS_ZOOM = 4;

// The zoom that fits `area` ({width, height, margin}: the margin a share
// of the area's size on each axis) in `width` x `height` CSS px.
export function focusZoom(area, width, height) {
  const grow = 1 + area.margin;
  const zoom = Math.min(width / (area.width * grow), height / (area.height * grow));
  return Math.max(MIN_FOCUS_ZOOM, Math.min(MAX_FOCUS_ZOOM, zoom));
}

export class CameraRig {
  constructor() {
    this.camera = null;
    // CSS pixels of the game hidden at the bottom, by what hides them.
    this.covers = new Map();
    this.coveredBottom = 0;
    // The game's size (CSS px), what is followed, and the area framed
    // instead (null: none).
    this.size = null;
    this.target = null;
    this.area = null;
  }

  // camera: the scene's main Phaser camera.
  attach(camera) {
    this.camera = camera;
    if (this.area !== null) this.frame();
    else this.centre();
  }

  // The game is now width x height CSS pixels.
  fit(width, height) {
    this.size = { width, height };
    if (this.camera === null) return;
    if (this.area !== null) {
      this.frame();
      return;
    }
    this.camera.setZoom(zoomFor(width, height));
    this.centre();
  }

  // The world is this big (px): the camera stays inside it.
  setBounds(width, height) {
    this.camera?.setBounds(0, 0, width, height);
  }

  follow(sprite) {
    this.target = sprite;
    if (this.camera === null || this.area !== null) return;
    this.camera.startFollow(sprite, true);
    // startFollow forgets the offset: put the avatar above the cover again.
    this.centre();
  }

  // Frame `area` ({x, y, width, height, margin}, world px) rather than
  // follow the player.
  focus(area) {
    this.area = area;
    this.frame();
  }

  // Follow the player again, at the window's own zoom.
  unfocus() {
    if (this.area === null) return;
    this.area = null;
    if (this.camera === null) return;
    if (this.size !== null) this.camera.setZoom(zoomFor(this.size.width, this.size.height));
    if (this.target !== null) this.camera.startFollow(this.target, true);
    this.centre();
  }

  // The area in the middle of what the covers leave visible, as large as
  // fits.
  frame() {
    if (this.camera === null || this.area === null || this.size === null) return;
    const { x, y, width, height } = this.area;
    const visibleHeight = Math.max(1, this.size.height - this.coveredBottom);
    const zoom = focusZoom(this.area, this.size.width, visibleHeight);
    this.camera.stopFollow();
    this.camera.setZoom(zoom);
    // The view's middle lies half a cover below the visible part's.
    this.camera.centerOn(x + width / 2, y + height / 2 + this.coveredBottom / 2 / zoom);
  }

  // `by` (the chat sheet, the call panel) covers this much of the bottom
  // of the game (0: none); the tallest cover counts.
  setCovered(pixels, by = "chat") {
    this.covers.set(by, pixels);
    this.coveredBottom = Math.max(0, ...this.covers.values());
    if (this.area !== null) this.frame();
    else this.centre();
  }

  centre() {
    if (this.camera === null || this.area !== null) return;
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
