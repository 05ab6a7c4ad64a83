// The world scene: the Phaser glue between the modules that do the work.
// It makes them with the page's pieces (the document, the window, the
// scene's own loader, camera and keyboard), connects them, and at each
// frame takes the steps due and draws everyone:
//
//   maploader.js      the Tiled map and its tilesets, the tilemap drawn
//   aboutpanel.js     what the map says about itself
//   avatars.js        the avatars' sprites, labels and animations; agents' tags and bubbles
//   agentreach.js     the agent the interact key talks to (the nearest within reach)
//   bubbles.js        what agents say, in speech bubbles over their heads
//   guidepath.js      the way an agent showed, dotted on the map
//   camera.js         zoom, following the player or framing a zone, sheets
//   controls.js       keyboard, joystick, autopilot, benchmark walk, act
//   hud.js            loading, connection banner, place, action, notices
//   netcontroller.js  welcomes, patches, effects, errors; steps sent
//   connection.js     the WebSocket itself
//   media.js          voice and video with the people nearby
//   testhook.js       window.arkTest, for the end-to-end tests
//
// The page (main.js) reaches the scene through send(), leave() and
// setCovered() only.

import Phaser from "phaser";
import { decode, encode } from "cbor-x";

import { AboutPanel } from "./aboutpanel.js";
import { nearestAgent } from "./agentreach.js";
import { Avatars } from "./avatars.js";
import { BenchRun, delayedWebSocket } from "./bench.js";
import { SpeechBubbles } from "./bubbles.js";
import { CameraRig } from "./camera.js";
import { Connection } from "./connection.js";
import { Controls, MOVEMENT_KEYS, attachActions, attachJoystick, attachTyping } from "./controls.js";
import { EffectView } from "./effectview.js";
import { ZoneEffects } from "./effects.js";
import { GuidePath } from "./guidepath.js";
import { Hud, hudElements } from "./hud.js";
import { Joystick } from "./joystick.js";
import { PHONE_QUERY, TOUCH_QUERY } from "./layout.js";
import { MapLoader } from "./maploader.js";
import { makeTalk } from "./media.js";
import { NetController } from "./netcontroller.js";
import { TestHook } from "./testhook.js";
import { isTextField } from "./typing.js";

// A zone's agent opened this soon after the player acted (the effect of
// an onaction zone) is the player's asking: the chat is made ready to type.
const ACTED_MS = 2000;

// Storage that remembers nothing, for the benchmark page.
const NO_STORAGE = { getItem: () => null, setItem: () => {}, removeItem: () => {} };

export class WorldScene extends Phaser.Scene {
  // Made with the scene: the page may report a cover before init.
  rig = new CameraRig();
  net = null;
  connection = null;

  // auth: auth.js, for access tokens; manifest: avatars.json; bench:
  // bench.js's benchOptions, or null; chat: chatclient.js, or null (the
  // benchmark page has none); agents: agentchat.js, or null (likewise);
  // join: what to ask for in the join (a map);
  // cover: CSS px the chat sheet covers already; the hooks: what the page
  // does when the sign-in is gone, when another avatar is clicked (with
  // the world's entity: a player, or an agent with entity.agent set), and
  // when the player asks to try a refused join again (with the refusal's
  // code).
  init({ auth, manifest, bench = null, chat = null, agents = null, cover = 0, join = {}, onSignedOut = () => {},
    onAvatarClicked = () => {}, onRetry = () => location.reload() }) {
    this.setCovered(cover);
    this.auth = auth;
    this.manifest = manifest;
    this.bench = bench;
    this.chat = chat;
    this.agents = agents;
    // The agent entity the interact key would talk to now, or null; when
    // the player last acted in the zones (ms).
    this.nearAgent = null;
    this.actedAt = -Infinity;
    this.joinRequest = join;
    this.onSignedOut = onSignedOut;
    this.onAvatarClicked = onAvatarClicked;
    this.onRetry = onRetry;
  }

  preload() {
    this.avatars = new Avatars({ scene: this, manifest: this.manifest,
      onClicked: (entity) => this.onAvatarClicked(this.net.world?.entities.get(entity.id) ?? entity) });
    this.avatars.preload(this.load);
  }

  create() {
    this.avatars.makeAnimations();
    this.bubbles = new SpeechBubbles({ scene: this });
    this.guide = new GuidePath({ scene: this });
    this.rig.attach(this.cameras.main);
    this.fit();
    this.scale.on("resize", () => this.fit());

    this.hud = new Hud({
      elements: hudElements(document),
      timers: window,
      touchQuery: window.matchMedia(TOUCH_QUERY),
      openZones: () => this.effects.openZones,
      onRejoin: () => location.reload(),
      onRetry: (code) => this.onRetry(code),
    });
    this.setUpEffects();
    this.about = new AboutPanel({ page: document });
    this.maps = new MapLoader({
      scene: this,
      tiledFormat: Phaser.Tilemaps.Formats.TILED_JSON,
      fetch: window.fetch.bind(window),
      pageUrl: location.href,
      onProgress: (share) => this.hud.loadProgress(share),
      webgl: this.game.renderer.type === Phaser.WEBGL,
    });

    this.benchRun = this.bench ? new BenchRun({ seconds: this.bench.seconds, latencyMs: this.bench.latencyMs }) : null;
    if (this.benchRun) {
      const { stats } = this.benchRun;
      this.game.events.on("prestep", () => stats.frameStarted(performance.now()));
      this.game.events.on("postrender", () => stats.frameEnded(performance.now()));
    }
    const joystick = new Joystick();
    this.controls = new Controls({
      keys: this.input.keyboard.addKeys(MOVEMENT_KEYS),
      joystick,
      typing: () => isTextField(document.activeElement),
      script: this.benchRun,
    });
    attachJoystick({ joystick, canvas: this.game.canvas, element: document.getElementById("joystick"), view: window });
    attachTyping({ keyboard: this.input.keyboard, page: document });
    attachActions({ view: window, button: document.getElementById("action"), act: () => this.interact() });

    // The benchmark's throwaway guest never asks for a microphone.
    this.talk = makeTalk({ page: window, send: (message) => this.send(message), avatars: this.avatars,
      world: () => this.net?.world, enabled: !this.bench });
    this.net = new NetController({
      maps: this.maps, view: this.worldView(), effects: this.effects, hud: this.hud, chat: this.chat,
      agents: this.agents, talk: this.talk,
      send: (message) => this.send(message),
      now: () => performance.now(),
      onSignedOut: this.onSignedOut,
      onMoved: () => this.controls.stopSteering(),
    });
    this.connection = new Connection({
      url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
      codec: { encode, decode },
      WebSocket: this.bench ? delayedWebSocket(this.bench.latencyMs) : WebSocket,
      // The benchmark always starts a fresh avatar.
      storage: this.bench ? NO_STORAGE : localStorage,
      timers: window,
      auth: this.auth,
      // POST /api/join, where to join, asks with the access token.
      api: (url, options) => this.auth.authorizedJSON(url, options),
      onMessage: (message) => this.net.received(message),
      onStatus: (status) => this.net.statusChanged(status),
    });
    window.arkTest = new TestHook({
      net: this.net, controls: this.controls, avatars: this.avatars, camera: this.rig, hud: this.hud,
      maps: this.maps, effects: this.effects, sounds: this.effectView.sounds, connection: this.connection,
      auth: this.auth, bench: this.benchRun, talk: this.talk, agents: this.agents, bubbles: this.bubbles,
      guide: this.guide,
      displayList: () => this.children.list,
      canvasRect: () => this.game.canvas.getBoundingClientRect(),
    });
    this.connection.join(this.joinRequest);
  }

  // Zone effects: decided in effects.js, shown by effectview.js; the
  // page's hooks (hanging up, closing the website) go back to the
  // decider, a zone's agent to the conversations (agentchat.js).
  setUpEffects() {
    this.effectView = new EffectView({
      nameOf: () => this.net?.playerName ?? "",
      phoneQuery: window.matchMedia(PHONE_QUERY),
      onCover: (pixels) => this.setCovered(pixels, "call"),
      onHangUp: () => {
        this.effects.hangUp();
        this.hud.renderZones();
      },
      onOpenAgent: (agent) => this.agents?.talk(agent, { focus: performance.now() - this.actedAt < ACTED_MS }),
      onCloseAgent: (agent) => this.agents?.untalk(agent),
      onCloseWebsite: () => {
        this.effects.leaveWebsite();
        this.hud.renderZones();
      },
      camera: this.rig,
    });
    this.effects = new ZoneEffects({ view: this.effectView, events: window });
  }

  // What the network controller draws with.
  worldView() {
    return {
      enterWorld: ({ self, entities, width, height, map, about }) => {
        this.about.show(about);
        this.bubbles.clear();
        this.guide.mapEntered(map);
        this.nearAgent = null;
        this.hud.agentNear(null);
        this.rig.setBounds(width, height);
        this.fit();
        this.avatars.clear();
        this.rig.follow(this.avatars.setSelf(self.id, self.name, self.avatar));
        for (const entity of entities) this.avatars.add(entity);
      },
      entityAdded: (entity) => this.avatars.add(entity),
      entityRemoved: (id) => this.avatars.remove(id),
      showBubble: (bubble) => this.bubbles.show(bubble, performance.now()),
      showGuide: (guide) => this.guide.show(guide, this.net.mapName, performance.now()),
    };
  }

  // The interact key or the action button: talk to the agent within
  // reach, if there is one; else act in the zones.
  interact() {
    const near = this.nearAgent;
    if (near !== null && this.agents !== null && this.net.ready) {
      // Like acting, talking answers the zone's prompt.
      if (this.agents.talk(near.agent.id, { focus: true })) this.effects.acted();
      return;
    }
    if (this.net.act()) this.actedAt = performance.now();
  }

  // Which agent the interact key would talk to, told to the HUD when it
  // changes.
  findNearAgent() {
    const near = this.agents === null ? null
      : nearestAgent(this.net.world.entities.values(), (id) => this.avatars.spriteOf(id), this.avatars.self);
    if (near === this.nearAgent) return;
    this.nearAgent = near;
    this.hud.agentNear(near?.name ?? null);
  }

  fit() {
    const { width, height } = this.scale.gameSize;
    this.rig.fit(width, height);
  }

  // Put a message on the WebSocket; false when not connected.
  send(message) {
    return this.connection?.send(message) ?? false;
  }

  // Leave the world on purpose (signing out).
  leave() {
    this.connection?.leave();
  }

  // The chat sheet (or `by` another panel) covers this much of the
  // bottom of the game (0: none).
  setCovered(pixels, by = "chat") {
    this.rig.setCovered(pixels, by);
  }

  update(time, delta) {
    const net = this.net;
    if (!net?.ready) return;
    const now = performance.now();
    net.takeSteps(now, (body, at) => this.controls.bits(body, at));
    this.benchRun?.check(net.predictor, this.avatars.others.size, net.mapName);
    this.avatars.drawSelf(net.predictor);
    this.avatars.drawOthers(net.world, net.renderTick(now, delta), net.obstacles);
    this.bubbles.draw((id) => this.avatars.spriteOf(id), now);
    const self = this.avatars.self;
    if (self !== null) this.guide.update(self.x, self.y, now);
    this.findNearAgent();
    this.talk.frame();
    this.benchRun?.stats.updated(performance.now() - now);
  }
}
