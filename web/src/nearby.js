// The nearby strip on the page: a tile for each person the player is
// talking with (their video while they send it, else their initial; a ring
// while they speak; a volume slider just for them), the questions of
// busy players ("Bob wants to talk — Accept / Not now") and the player's
// own asks ("Asking Bob…"), and the player's controls: microphone,
// camera, status and devices, with one line for what went wrong with
// them. Bottom left on a desktop, smaller on a phone (style.css).
//
// media.js decides everything; this only draws its model and reports
// clicks. Names are put in as text, never as markup.

const NOT_YET_CONNECTED = new Set(["new", "connecting", "disconnected", "failed"]);

// The element ids in index.html.
export const TALK_ELEMENT_IDS = {
  root: "talk",
  tiles: "talk-tiles",
  asks: "talk-asks",
  error: "talk-error",
  sound: "talk-sound",
  microphone: "talk-mute",
  camera: "talk-camera",
  status: "talk-status",
  microphones: "talk-mic",
  cameras: "talk-cam",
  self: "talk-self",
};

export function initialOf(name) {
  const first = [...(name ?? "").trim()][0];
  return first ? first.toUpperCase() : "?";
}

export class NearbyView {
  // page: the document; MediaStream: the constructor (for video elements);
  // actions: media.js's Talk.actions, called as the player clicks.
  constructor({ page, MediaStream, actions }) {
    this.page = page;
    this.MediaStream = MediaStream;
    this.actions = actions;
    this.elements = Object.fromEntries(Object.entries(TALK_ELEMENT_IDS).map(([name, id]) => [name, page.getElementById(id)]));
    // By pair: { node, video, initial, name, slider, track, watch }.
    this.tiles = new Map();
    this.askNodes = new Map();
    // The player's own camera as last drawn (undefined: not drawn yet).
    this.selfTrack = undefined;
    // What the device lists were drawn from, to leave an open list alone.
    this.deviceLists = { microphones: null, cameras: null };
    const { microphone, camera, status, microphones, cameras, sound, root } = this.elements;
    this.onClick(microphone, () => this.actions.toggleMicrophone());
    this.onClick(camera, () => this.actions.toggleCamera());
    this.onClick(sound, () => this.actions.soundOn());
    status.addEventListener("change", () => this.actions.chooseStatus(status.value));
    microphones.addEventListener("change", () => this.actions.chooseMicrophone(microphones.value));
    cameras.addEventListener("change", () => this.actions.chooseCamera(cameras.value));
    root.hidden = false;
  }

  // A button clicked with the pointer gives the keyboard back to the game
  // at once: Space there is the interact key, not a second click.
  onClick(button, action) {
    button.addEventListener("click", (event) => {
      if (event?.detail > 0) button.blur?.();
      action();
    });
  }

  render(model) {
    this.renderTiles(model.peers);
    this.renderAsks(model.asks, model.waiting);
    this.renderControls(model);
  }

  renderTiles(peers) {
    const wanted = new Set(peers.map((peer) => peer.pair));
    for (const [pair, tile] of this.tiles) {
      if (wanted.has(pair)) continue;
      this.watchVideo(tile, null);
      tile.node.remove();
      this.tiles.delete(pair);
    }
    for (const peer of peers) {
      let tile = this.tiles.get(peer.pair);
      if (tile === undefined) {
        tile = this.makeTile(peer.pair);
        this.tiles.set(peer.pair, tile);
        this.elements.tiles.append(tile.node);
      }
      tile.name.textContent = peer.name;
      tile.initial.textContent = initialOf(peer.name);
      tile.slider.setAttribute("aria-label", `Volume of ${peer.name}`);
      // The slider is left alone while the player drags it.
      if (this.page.activeElement !== tile.slider) tile.slider.value = String(Math.round(peer.volume * 100));
      tile.node.classList.toggle("connecting", NOT_YET_CONNECTED.has(peer.state));
      tile.node.title = NOT_YET_CONNECTED.has(peer.state) ? `Connecting to ${peer.name}…` : peer.name;
      this.watchVideo(tile, peer.video ?? null);
    }
  }

  makeTile(pair) {
    const node = this.element("li", "talk-tile");
    const video = this.element("video");
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.setAttribute("playsinline", "");
    video.hidden = true;
    const initial = this.element("span", "initial");
    const name = this.element("span", "name");
    const slider = this.element("input", "volume");
    slider.type = "range";
    slider.min = "0";
    slider.max = "100";
    slider.step = "5";
    slider.addEventListener("input", () => this.actions.setVolume(pair, Number(slider.value) / 100));
    node.append(video, initial, name, slider);
    return { node, video, initial, name, slider, track: null, watch: null };
  }

  // Show the video while the track brings frames: a partner who turns the
  // camera off mutes it (peers.js), and their initial comes back.
  watchVideo(tile, track) {
    if (tile.track !== track) {
      if (tile.track !== null) {
        tile.track.removeEventListener("mute", tile.watch);
        tile.track.removeEventListener("unmute", tile.watch);
        tile.track.removeEventListener("ended", tile.watch);
      }
      tile.track = track;
      tile.watch = () => this.showVideo(tile);
      if (track !== null) {
        track.addEventListener("mute", tile.watch);
        track.addEventListener("unmute", tile.watch);
        track.addEventListener("ended", tile.watch);
        tile.video.srcObject = new this.MediaStream([track]);
      } else {
        tile.video.srcObject = null;
      }
    }
    this.showVideo(tile);
  }

  showVideo(tile) {
    const live = tile.track !== null && !tile.track.muted && tile.track.readyState !== "ended";
    tile.video.hidden = !live;
    tile.initial.hidden = live;
    tile.node.classList.toggle("video", live);
    if (live) Promise.resolve(tile.video.play?.()).catch(() => {});
  }

  showSpeaking(pair, on) {
    const tile = this.tiles.get(pair);
    if (tile === undefined || tile.speaking === on) return;
    tile.speaking = on;
    tile.node.classList.toggle("speaking", on);
  }

  renderAsks(asks, waiting) {
    const lines = [
      ...asks.map((ask) => ({ key: `ask:${ask.pair}`, make: () => this.makeAsk(ask) })),
      ...waiting.map((wait) => ({ key: `waiting:${wait.pair}`, make: () => this.element("p", "talk-waiting", `Asking ${wait.name}…`) })),
    ];
    const wanted = new Set(lines.map((line) => line.key));
    for (const [key, node] of this.askNodes) {
      if (wanted.has(key)) continue;
      node.remove();
      this.askNodes.delete(key);
    }
    for (const { key, make } of lines) {
      if (this.askNodes.has(key)) continue;
      const node = make();
      this.askNodes.set(key, node);
      this.elements.asks.append(node);
    }
  }

  makeAsk({ pair, name }) {
    const node = this.element("div", "talk-ask");
    node.setAttribute("role", "alert");
    const accept = this.element("button", null, "Accept");
    const decline = this.element("button", "secondary", "Not now");
    accept.type = "button";
    decline.type = "button";
    this.onClick(accept, () => this.actions.answer(pair, true));
    this.onClick(decline, () => this.actions.answer(pair, false));
    node.append(this.element("span", null, `${name} wants to talk`), accept, decline);
    return node;
  }

  renderControls(model) {
    const { microphone, camera, status, error, sound, self } = this.elements;
    if (!model.microphone) {
      microphone.textContent = "Microphone off";
      microphone.title = "Try the microphone again";
    } else {
      microphone.textContent = model.muted ? "Unmute" : "Mute";
      microphone.title = model.muted ? "Others cannot hear you" : "Others nearby hear you";
    }
    microphone.classList.toggle("off", !model.microphone || model.muted);
    microphone.setAttribute("aria-pressed", String(!model.microphone || model.muted));
    camera.textContent = model.camera ? "Stop camera" : "Camera";
    camera.classList.toggle("on", model.camera !== null);
    camera.setAttribute("aria-pressed", String(model.camera !== null));
    if (status.value !== model.status) status.value = model.status;
    error.textContent = model.error ?? "";
    error.hidden = model.error === null;
    sound.hidden = !model.soundBlocked;
    if (this.selfTrack !== model.camera) {
      this.selfTrack = model.camera;
      self.srcObject = model.camera === null ? null : new this.MediaStream([model.camera]);
      self.hidden = model.camera === null;
      if (model.camera !== null) Promise.resolve(self.play?.()).catch(() => {});
    }
    this.renderDevices("microphones", model.microphones, model.microphoneId);
    this.renderDevices("cameras", model.cameras, model.cameraId);
  }

  renderDevices(kind, devices, chosen) {
    const select = this.elements[kind];
    const drawn = JSON.stringify(devices);
    if (this.deviceLists[kind] !== drawn) {
      this.deviceLists[kind] = drawn;
      select.replaceChildren(...devices.map(({ deviceId, label }) => {
        const option = this.element("option", null, label);
        option.value = deviceId;
        return option;
      }));
    }
    select.disabled = devices.length === 0;
    if (chosen !== null && devices.some((device) => device.deviceId === chosen)) select.value = chosen;
  }

  element(tag, className, text) {
    const node = this.page.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
}
