// The world scene: draws the map and the avatars, samples input at the
// fixed 60 Hz step, predicts the player's avatar, and draws others where
// the patches put them, a little in the past. Chat messages from the
// WebSocket are handed to the chat, zone effects to effects.js; a click on
// another avatar asks for a direct chat with its player. A door to another
// map brings a new welcome on the same connection: the scene changes map
// and the player's input carries on.

import Phaser from "phaser";
import { decode, encode } from "cbor-x";

import { ServerClock, positionAt } from "./clock.js";
import { Connection } from "./connection.js";
import { Autopilot, FrameStats, delayedWebSocket, scriptedBits } from "./bench.js";
import { EffectView } from "./effectview.js";
import { ZoneEffects } from "./effects.js";
import { Batcher, InputClock } from "./input.js";
import { Joystick, knobOffset } from "./joystick.js";
import { PHONE_QUERY, TOUCH_QUERY } from "./layout.js";
import { DOWN, IDLE, LEFT, Obstacles, RIGHT, RUN, UNITS_PER_PIXEL, UP } from "./movement.js";
import { Predictor } from "./prediction.js";
import { isTextField } from "./typing.js";
import { World } from "./world.js";
import { ZonePanel, isInteractKey } from "./zones.js";

const FACINGS = ["down", "left", "right", "up"];
const STATES = ["idle", "walk", "run"];
const AVATAR_DEPTH = 1000;
// A pointer that travelled further than this (CSS px) between down and up
// was dragging (the joystick), not clicking an avatar.
const CLICK_SLOP = 12;
// Storage that remembers nothing, for the benchmark page.
const NO_STORAGE = { getItem: () => null, setItem: () => {}, removeItem: () => {} };

// Tiled keeps tilesets in separate files; Phaser wants them in the map.
async function fetchMapWithTilesets(mapUrl) {
  const map = await (await fetch(mapUrl)).json();
  const base = new URL(mapUrl, window.location.href);
  for (const tileset of map.tilesets) {
    if (tileset.source) {
      const tilesetUrl = new URL(tileset.source, base);
      const loaded = await (await fetch(tilesetUrl)).json();
      delete tileset.source;
      Object.assign(tileset, loaded, { firstgid: tileset.firstgid });
      tileset.image = new URL(loaded.image, tilesetUrl).pathname;
    } else if (tileset.image) {
      tileset.image = new URL(tileset.image, base).pathname;
    }
  }
  return map;
}

// The map's layers in drawing order, groups flattened.
function flattenLayers(layers, into = []) {
  for (const layer of layers) {
    if (layer.type === "group") flattenLayers(layer.layers ?? [], into);
    else into.push(layer);
  }
  return into;
}

function obstaclesFrom(described) {
  const blocked = Uint8Array.from(atob(described.blocked), (c) => c.charCodeAt(0));
  const { width, height } = described;
  return new Obstacles(
    (column, row) => column < 0 || row < 0 || column >= width || row >= height ||
      blocked[row * width + column] !== 0,
    described.tileWidth,
    described.tileHeight,
  );
}

export class WorldScene extends Phaser.Scene {
  // auth: auth.js, for access tokens; chat: chatclient.js, or null (the
  // benchmark page has none); the hooks: what the page does when the
  // sign-in is gone and when another avatar is clicked.
  init({ auth, manifest, bench, chat = null, onSignedOut = () => {}, onAvatarClicked = () => {} }) {
    this.auth = auth;
    this.manifest = manifest;
    this.bench = bench;
    this.chat = chat;
    this.onSignedOut = onSignedOut;
    this.onAvatarClicked = onAvatarClicked;
    this.everConnected = false;
    // CSS pixels of the game hidden at the bottom, by what hides them
    // (the chat sheet, the meeting on a phone).
    this.covers = new Map();
    this.coveredBottom = 0;
    this.sprites = new Map();
    this.serverClock = new ServerClock();
    this.ready = false;
  }

  create() {
    // For the end-to-end tests and the benchmark page.
    window.ark.scene = this;
    this.keys = this.input.keyboard.addKeys("W,A,S,D,UP,DOWN,LEFT,RIGHT,SHIFT");
    this.setUpTyping();
    this.setUpJoystick();
    this.setUpEffects();
    this.setUpActions();
    if (this.bench) this.startBench();
    this.connection = new Connection({
      url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
      codec: { encode, decode },
      WebSocket: this.bench ? delayedWebSocket(this.bench.latencyMs) : WebSocket,
      // The benchmark always starts a fresh avatar.
      storage: this.bench ? NO_STORAGE : localStorage,
      timers: window,
      auth: this.auth,
      onMessage: (message) => this.received(message),
      onStatus: (status) => this.statusChanged(status),
    });
    this.connection.join();
    this.scale.on("resize", () => this.fitZoom());
  }

  // What the tests read: where this page has everyone, in units.
  snapshot() {
    if (!this.ready) return null;
    const entities = {};
    for (const [id, sprite] of this.sprites) {
      entities[id] = [Math.round(sprite.x * UNITS_PER_PIXEL), Math.round(sprite.y * UNITS_PER_PIXEL)];
    }
    const body = this.predictor.body;
    return { selfId: this.selfId, map: this.mapName, me: [body.x, body.y],
      zones: this.zonePanel.zones.map((zone) => zone.name),
      ack: this.predictor.ackSeq, pending: this.predictor.pending.length,
      corrections: this.predictor.corrections, entities };
  }

  // Put a message on the WebSocket; false when not connected.
  send(message) {
    return this.connection?.send(message) ?? false;
  }

  statusChanged(status) {
    if (status.state === "signed_out") {
      this.onSignedOut();
      return;
    }
    if (status.state === "connected") {
      if (this.everConnected) this.chat?.reconnected();
      this.everConnected = true;
    } else {
      this.chat?.connectionLost();
    }
    const banner = document.getElementById("status");
    const text = document.getElementById("status-text");
    const rejoin = document.getElementById("status-rejoin");
    rejoin.hidden = true;
    if (status.state === "connected") {
      banner.hidden = true;
      return;
    }
    banner.hidden = false;
    if (status.state === "reconnecting") {
      text.textContent = `Reconnecting… (attempt ${status.attempt})`;
    } else if (status.state === "closed" && status.code === 4003) {
      text.textContent = "You joined from another tab.";
    } else {
      text.textContent = status.reason ? `Disconnected: ${status.reason}` : "Disconnected.";
      rejoin.hidden = false;
      rejoin.onclick = () => location.reload();
    }
  }

  received(message) {
    if (message.t === "welcome") {
      this.welcomed(message);
    } else if (message.t === "p") {
      // Effects come at once, patches may wait for a map: the zones they
      // report go to the effects in the order the server sent both.
      if (message.zones) this.effects.zonesReported(message.zones);
      if (this.ready) this.patched(message);
      else this.backlog?.push(message);
    } else if (message.t === "effect") {
      if (this.effects.handle(message)) this.renderZones();
    } else if (message.t === "said" || message.t === "chat") {
      this.chat?.handle(message);
    }
  }

  welcomed(welcome) {
    // What the player had on from the zones stays only when the same
    // avatar is resumed where it was; effects of the new place follow
    // this welcome, so the reset cannot wait for the map to load.
    if (!welcome.resumed) this.effects.reset();
    this.effects.zonesReported(welcome.zones ?? []);
    // The autopilot's waypoints belong to the map left behind.
    if (welcome.moved) this.autopilot = null;
    // Patches that arrive while the map loads wait their turn: every
    // motion counts for where the others are.
    this.ready = false;
    this.backlog = [];
    // Welcomes are entered one after the other (a second door while the
    // first map loads), and play starts with the last.
    // A map that failed to load must not hold up the next welcome.
    const before = (this.entering ?? Promise.resolve()).catch(() => {});
    const entered = before.then(() => this.enter(welcome));
    this.entering = entered;
    entered.then(() => {
      if (this.entering !== entered) return;
      this.ready = true;
      document.getElementById("loading").hidden = true;
      const backlog = this.backlog;
      this.backlog = null;
      for (const patch of backlog) this.patched(patch);
    });
  }

  // A welcome: (re)load the map if it changed, and start from the snapshot.
  async enter(welcome) {
    if (this.mapName !== welcome.map) {
      await this.loadMap(welcome);
    }
    this.world = new World(this.obstacles);
    this.world.welcome(welcome);
    for (const sprite of this.sprites.values()) sprite.destroy();
    this.sprites.clear();
    const [id, name, avatar, , , x, y, , facing] = welcome.me;
    this.selfId = id;
    this.playerName = name;
    const body = { x, y, facing, state: IDLE };
    if (welcome.moved && this.predictor) {
      // Same connection, same step numbers: the steps not yet sent, and
      // those on their way, still count.
      this.predictor.relocate(this.obstacles, body, welcome.ack);
    } else {
      // A new connection: steps still waiting were discarded.
      this.predictor = new Predictor(this.obstacles, body, welcome.ack);
      this.batcher = new Batcher(performance.now());
    }
    // Steps are not taken while a map loads; they must not all come due
    // at once afterwards.
    this.inputClock = new InputClock(performance.now());
    // Every room counts its own ticks.
    const room = welcome.room ?? welcome.map;
    if (this.roomName !== room) this.serverClock = new ServerClock();
    this.roomName = room;
    this.me?.destroy();
    this.me = this.makeAvatar(id, name, avatar);
    this.cameras.main.startFollow(this.me, true);
    // startFollow forgets the offset: put the avatar above the sheet again.
    this.centreAboveCover();
    for (const entity of this.world.entities.values()) this.addEntitySprite(entity);
    this.serverClock.observe(welcome.tick, performance.now());
    this.showZones(welcome.zones ?? []);
  }

  loadMap(welcome) {
    const fill = document.getElementById("loading-fill");
    return Promise.all([
      fetchMapWithTilesets(welcome.mapUrl),
      fetch(`/api/maps/${encodeURIComponent(welcome.map)}`).then((r) => r.json()),
    ]).then(([mapData, described]) => new Promise((resolve) => {
      this.obstacles = obstaclesFrom(described);
      const key = `map:${welcome.map}`;
      this.cache.tilemap.add(key, { format: Phaser.Tilemaps.Formats.TILED_JSON, data: mapData });
      for (const tileset of mapData.tilesets) this.load.image(`tiles:${tileset.name}`, tileset.image);
      for (const avatar of this.manifest.avatars) {
        if (!this.textures.exists(`avatar:${avatar.name}`)) {
          this.load.spritesheet(`avatar:${avatar.name}`, `/assets/avatars/${avatar.file}`, {
            frameWidth: this.manifest.frameWidth, frameHeight: this.manifest.frameHeight,
          });
        }
      }
      // One listener per load: a door loads another map into the scene.
      const progress = (share) => { fill.style.width = `${Math.round(share * 100)}%`; };
      this.load.on("progress", progress);
      this.load.once("complete", () => {
        this.load.off("progress", progress);
        this.buildMap(key, mapData);
        this.makeAnimations();
        this.mapName = welcome.map;
        resolve();
      });
      this.load.start();
    }));
  }

  buildMap(key, mapData) {
    if (this.tilemap) this.tilemap.destroy();
    const map = this.make.tilemap({ key });
    const tilesets = mapData.tilesets.map((t) => map.addTilesetImage(t.name, `tiles:${t.name}`));
    let depth = 0;
    let aboveAvatars = false;
    for (const layer of flattenLayers(mapData.layers)) {
      if (layer.name === "floorLayer") aboveAvatars = true;
      if (layer.type !== "tilelayer" || layer.visible === false) continue;
      const drawn = map.createLayer(layer.name, tilesets);
      if (drawn) drawn.setDepth(aboveAvatars ? AVATAR_DEPTH * 3 + depth : depth);
      depth++;
    }
    this.tilemap = map;
    this.cameras.main.setBounds(0, 0, map.widthInPixels, map.heightInPixels);
    this.fitZoom();
  }

  // Crisp pixels: the largest whole zoom that still shows a useful area.
  fitZoom() {
    const { width, height } = this.scale.gameSize;
    const zoom = Math.max(1, Math.min(4, Math.floor(Math.min(width / 480, height / 320))));
    this.cameras.main.setZoom(zoom);
    this.centreAboveCover();
  }

  // The chat sheet (or `by` another panel) covers this much of the
  // bottom of the game (0: none); the tallest cover counts.
  setCovered(pixels, by = "chat") {
    this.covers.set(by, pixels);
    this.coveredBottom = Math.max(0, ...this.covers.values());
    this.centreAboveCover();
  }

  // Keep the player's avatar in the middle of what can still be seen.
  centreAboveCover() {
    const camera = this.cameras?.main;
    // Called from the page before the scene has made its camera.
    if (!camera) return;
    camera.setFollowOffset(0, -this.coveredBottom / 2 / camera.zoom);
  }

  makeAnimations() {
    const { animations } = this.manifest;
    const columns = 10;
    for (const avatar of this.manifest.avatars) {
      const texture = `avatar:${avatar.name}`;
      FACINGS.forEach((facing, row) => {
        for (const state of STATES) {
          const key = `${avatar.name}-${state}-${facing}`;
          if (this.anims.exists(key)) continue;
          const { start, frames, fps } = animations[state];
          this.anims.create({
            key,
            frames: this.anims.generateFrameNumbers(texture, {
              start: row * columns + start, end: row * columns + start + frames - 1,
            }),
            frameRate: fps,
            repeat: -1,
          });
        }
      });
    }
  }

  makeAvatar(id, name, avatar) {
    const known = this.manifest.avatars.some((a) => a.name === avatar);
    const texture = `avatar:${known ? avatar : this.manifest.avatars[0].name}`;
    const sprite = this.add.sprite(0, 0, texture, 0);
    sprite.setOrigin(this.manifest.originX / this.manifest.frameWidth,
      this.manifest.originY / this.manifest.frameHeight);
    sprite.avatarName = known ? avatar : this.manifest.avatars[0].name;
    sprite.label = this.add.text(0, 0, name, {
      fontFamily: "system-ui, sans-serif", fontSize: "10px", color: "#ffffff",
      stroke: "#1d2330", strokeThickness: 3, resolution: 4,
    }).setOrigin(0.5, 1);
    sprite.on("destroy", () => sprite.label.destroy());
    return sprite;
  }

  addEntitySprite(entity) {
    const sprite = this.makeAvatar(entity.id, entity.name, entity.avatar);
    this.sprites.set(entity.id, sprite);
    // Clicking (or tapping) another avatar or its name opens a direct
    // chat with its player.
    const clicked = (pointer) => {
      if (pointer.getDistance() > CLICK_SLOP) return;
      const known = this.world.entities.get(entity.id) ?? entity;
      this.onAvatarClicked(known);
    };
    for (const target of [sprite, sprite.label]) {
      target.setInteractive({ useHandCursor: true });
      target.on("pointerup", clicked);
    }
  }

  patched(patch) {
    const { added, removed } = this.world.applyPatch(patch);
    for (const id of removed) {
      this.sprites.get(id)?.destroy();
      this.sprites.delete(id);
    }
    for (const id of added) {
      if (id !== this.selfId && !this.sprites.has(id)) this.addEntitySprite(this.world.entities.get(id));
    }
    if (patch.zones) this.showZones(patch.zones);
    const now = performance.now();
    this.serverClock.observe(patch.tick, now);
    if (patch.me) {
      const [ack, queued, x, y, facing, state] = patch.me;
      this.predictor.acknowledge(ack, { x, y, facing, state });
      this.inputClock.queueReported(queued);
      if (this.predictor.pending.length === 0) this.batcher.settled();
      this.flush(now, true);
    }
  }

  // A floating joystick wherever a thumb lands on the left half of a touch
  // screen, drawn in the page (not the zoomed game) so it sits under it.
  setUpJoystick() {
    this.joystick = new Joystick();
    const element = document.getElementById("joystick");
    const knob = element.querySelector(".knob");
    const canvas = this.game.canvas;
    const isTouch = (event) => event.pointerType === "touch" || event.pointerType === "pen";
    canvas.addEventListener("pointerdown", (event) => {
      if (!isTouch(event)) return;
      if (this.joystick.down(event.pointerId, event.clientX, event.clientY, window.innerWidth)) {
        element.style.left = `${event.clientX}px`;
        element.style.top = `${event.clientY}px`;
        knob.style.transform = "";
        element.hidden = false;
      }
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!isTouch(event)) return;
      this.joystick.move(event.pointerId, event.clientX, event.clientY);
      if (this.joystick.active) {
        const [x, y] = knobOffset(this.joystick.x - this.joystick.originX,
          this.joystick.y - this.joystick.originY);
        knob.style.transform = `translate(${x}px, ${y}px)`;
      }
    });
    const release = (event) => {
      this.joystick.up(event.pointerId);
      if (!this.joystick.active) element.hidden = true;
    };
    canvas.addEventListener("pointerup", release);
    canvas.addEventListener("pointercancel", release);
  }

  // While the player types in a text field (the chat), the keys are the
  // field's: Phaser must not cancel them (it calls preventDefault at the
  // window for keys it captures, W A S D and the arrows among them) and
  // the avatar must not walk (inputBits).
  setUpTyping() {
    const keyboard = this.input.keyboard;
    document.addEventListener("focusin", (event) => {
      if (!isTextField(event.target)) return;
      keyboard.disableGlobalCapture();
      // Keys held when the typing began would otherwise stay down.
      keyboard.resetKeys();
    });
    document.addEventListener("focusout", (event) => {
      if (!isTextField(event.relatedTarget)) keyboard.enableGlobalCapture();
    });
    if (isTextField(document.activeElement)) keyboard.disableGlobalCapture();
  }

  // Zone effects: decided in effects.js, shown by effectview.js; the
  // page's hooks (hanging up, closing the agent) go back to the decider.
  setUpEffects() {
    const view = new EffectView({
      nameOf: () => this.playerName ?? "",
      phoneQuery: window.matchMedia(PHONE_QUERY),
      onCover: (pixels) => this.setCovered(pixels, "call"),
      onHangUp: () => {
        this.effects.hangUp();
        this.renderZones();
      },
      onCloseAgent: () => {
        this.effects.leaveAgent();
        this.renderZones();
      },
    });
    this.effects = new ZoneEffects({ view, events: window });
  }

  // The interact keys and the action button both send `act`; the server
  // decides what it does from the zones it has the avatar in.
  setUpActions() {
    this.zonePanel = new ZonePanel();
    this.touchQuery = window.matchMedia(TOUCH_QUERY);
    // A tablet may gain or lose its keyboard.
    this.touchQuery.addEventListener("change", () => this.renderZones());
    const act = () => {
      if (!this.ready) return;
      if (this.connection.send({ t: "act" })) this.effects.acted();
    };
    window.addEventListener("keydown", (event) => {
      if (!isInteractKey(event)) return;
      event.preventDefault();
      act();
    });
    const button = document.getElementById("action");
    button.addEventListener("click", act);
    // The button must not start a joystick or zoom the page under it.
    button.addEventListener("pointerdown", (event) => event.stopPropagation());
  }

  showZones(zones) {
    this.zonePanel.report(zones);
    this.renderZones();
  }

  renderZones() {
    const panel = this.zonePanel;
    const place = document.getElementById("place");
    place.textContent = panel.place ?? "";
    place.hidden = panel.place === null;
    const button = document.getElementById("action");
    const label = panel.buttonLabel(this.touchQuery.matches, this.effects.openZones);
    button.textContent = label ?? "";
    button.hidden = label === null;
  }

  // The benchmark page: a scripted walk, frame timings, and the result in
  // window.arkBench once the walk is over.
  startBench() {
    const stats = new FrameStats();
    this.game.events.on("prestep", () => stats.frameStarted(performance.now()));
    this.game.events.on("postrender", () => stats.frameEnded(performance.now()));
    this.benchStats = stats;
  }

  benchBits(now) {
    if (this.benchStartedAt === undefined) this.benchStartedAt = now;
    const elapsed = now - this.benchStartedAt;
    if (elapsed < this.bench.seconds * 1000) return scriptedBits(elapsed);
    if (!window.arkBench && this.predictor.pending.length === 0) {
      window.arkBench = {
        ...this.benchStats.summary(),
        remote_avatars: this.sprites.size,
        corrections: this.predictor.corrections,
        steps_acknowledged: this.predictor.ackSeq + 1,
        latency_ms: this.bench.latencyMs,
      };
    }
    return 0;
  }

  // For the end-to-end tests: walk through these points (units).
  steer(waypoints) {
    this.autopilot = new Autopilot(waypoints);
  }

  inputBits(now) {
    if (this.bench) return this.benchBits(now);
    if (this.autopilot) {
      const body = this.predictor.body;
      const bits = this.autopilot.bits(body.x, body.y);
      if (this.autopilot.arrived) this.autopilot = null;
      return bits;
    }
    if (this.joystick.active) return this.joystick.bits();
    if (isTextField(document.activeElement)) return 0;
    const k = this.keys;
    let bits = 0;
    if (k.LEFT.isDown || k.A.isDown) bits |= LEFT;
    if (k.RIGHT.isDown || k.D.isDown) bits |= RIGHT;
    if (k.UP.isDown || k.W.isDown) bits |= UP;
    if (k.DOWN.isDown || k.S.isDown) bits |= DOWN;
    if (bits && k.SHIFT.isDown) bits |= RUN;
    return bits;
  }

  flush(now, patchArrived) {
    for (const message of this.batcher.take(now, patchArrived)) this.connection.send(message);
  }

  update(time, delta) {
    if (!this.ready) return;
    const now = performance.now();
    for (let due = this.inputClock.due(now); due > 0; due--) {
      const bits = this.inputBits(now);
      const seq = this.predictor.sample(bits);
      this.batcher.add(seq, bits);
    }
    this.flush(now, false);

    const [x, y] = this.predictor.drawnPosition();
    this.place(this.me, x, y, this.predictor.body.facing, this.predictor.body.state, true);

    const renderTick = this.serverClock.renderTick(now, delta);
    for (const [id, sprite] of this.sprites) {
      const entity = this.world.entities.get(id);
      const drawn = positionAt(entity, renderTick, this.obstacles);
      this.place(sprite, drawn.x, drawn.y, drawn.facing, drawn.state, entity.connected);
    }
  }

  place(sprite, x, y, facing, state, connected) {
    const px = x / UNITS_PER_PIXEL;
    const py = y / UNITS_PER_PIXEL;
    sprite.setPosition(px, py);
    sprite.setDepth(AVATAR_DEPTH + py / 10000);
    sprite.setAlpha(connected ? 1 : 0.45);
    const key = `${sprite.avatarName}-${STATES[state] ?? "idle"}-${FACINGS[facing] ?? "down"}`;
    if (sprite.anims.currentAnim?.key !== key) sprite.play(key, true);
    sprite.label.setPosition(px, py - this.manifest.frameHeight + 4);
    sprite.label.setDepth(AVATAR_DEPTH * 2);
    sprite.label.setAlpha(connected ? 1 : 0.6);
  }
}
