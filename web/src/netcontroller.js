// What the game does with what the WebSocket brings (connection.js):
//
// - a welcome: (re)load the map it names, start the world of others
//   (world.js) and the player's prediction (prediction.js) from it; a
//   welcome through a door keeps predicting the steps on their way;
// - a patch: the others' motions, the player's acknowledged steps, the
//   zones; patches that come while a map loads wait for it, in order;
// - an effect: to the zone effects (effects.js);
// - said and chat: to the chat (chatclient.js);
// - talking, asked, reply and an agent's chat: to the conversations with
//   agents (agentchat.js), and what they ask of the page: a refusal in
//   the HUD, a zone's agent let go, the way an answer shows drawn;
// - bubble: what an agent says, over its head (the view);
// - peer, signal and ice, and every welcome at once: to talking (media.js);
// - an error after joining: a notice in the HUD (hud.js); a map that
//   cannot be loaded: the HUD's loading screen says why, and offers to
//   try again;
// - the connection's status: the HUD's banner, the chat's state, and the
//   page's hook when the sign-in is gone.
//
// And at each frame, the 60 Hz steps due: sampled from the controls,
// predicted, batched and sent as docs/protocol.md asks ("Keeping input on
// time"). Nothing here draws: the view is told what to draw.

import { ServerClock } from "./clock.js";
import { Batcher, InputClock } from "./input.js";
import { IDLE } from "./movement.js";
import { Predictor } from "./prediction.js";
import { World } from "./world.js";

// Errors after joining that are not worth telling the player about: the
// dropped steps are settled by the acknowledgements, and a signal refused
// as not_paired only raced the end of its conversation (docs/protocol.md).
export const QUIET_ERRORS = new Set(["steps_dropped", "not_paired"]);

// Talking, for a page without it (and the tests that do not look).
const NO_TALK = { welcomed() {}, received() {} };

// The notice key of a refused `talk`: a second refusal counts, not piles.
export const TALK_NOTICE = "talking";

export class NetController {
  // maps: { load(welcome) → Promise<{ name, obstacles, width, height }> }
  //   (maploader.js), rejecting with an Error that says what failed;
  // view: what draws: enterWorld({ self: {id, name, avatar}, entities,
  //   width, height, map }), entityAdded(entity), entityRemoved(id),
  //   showBubble(bubble), showGuide(guide);
  // effects: effects.js's ZoneEffects; hud: hud.js's Hud; chat:
  //   chatclient.js's ChatClient, or null; agents: agentchat.js's
  //   AgentChat, or null; talk: media.js's Talk (welcomed(welcome),
  //   received(message));
  // send(message): onto the WebSocket, false when not connected;
  // now(): local time in ms (performance.now);
  // onSignedOut(): the sign-in is gone; onMoved(): a door moved the
  //   player to another map.
  constructor({ maps, view, effects, hud, chat = null, agents = null, talk = NO_TALK, send, now, onSignedOut = () => {},
    onMoved = () => {} }) {
    this.maps = maps;
    this.view = view;
    this.effects = effects;
    this.hud = hud;
    this.chat = chat;
    this.agents = agents;
    this.talk = talk;
    this.send = send;
    this.now = now;
    this.onSignedOut = onSignedOut;
    this.onMoved = onMoved;
    // Whether play is on: the last welcome's map is loaded and entered.
    this.ready = false;
    this.everConnected = false;
    // The connection's last status, for the tests.
    this.status = null;
    // Patches waiting for a map to load; the welcome being entered.
    this.backlog = null;
    this.entering = null;
    this.serverClock = new ServerClock();
    this.world = null;
    this.predictor = null;
    this.batcher = null;
    this.inputClock = null;
    this.obstacles = null;
    this.selfId = null;
    this.user = null;
    this.playerName = null;
    this.mapName = null;
    this.roomName = null;
  }

  // connection.js's onStatus.
  statusChanged(status) {
    this.status = status;
    if (status.state === "signed_out") {
      this.onSignedOut();
      return;
    }
    if (status.state === "connected") {
      // Messages typed before the first welcome, or while the connection
      // was away, go now.
      if (this.everConnected) this.chat?.reconnected();
      else this.chat?.connected();
      this.everConnected = true;
    } else {
      this.agentsClosed(this.agents?.connectionLost() ?? []);
      this.chat?.connectionLost();
    }
    this.hud.connection(status);
  }

  // connection.js's onMessage.
  received(message) {
    switch (message.t) {
      case "welcome":
        this.welcomed(message);
        break;
      case "p":
        // Effects come at once, patches may wait for a map: the zones they
        // report go to the effects in the order the server sent both.
        if (message.zones) this.effects.zonesReported(message.zones);
        if (this.ready) this.patched(message);
        else this.backlog?.push(message);
        break;
      case "effect":
        if (this.effects.handle(message)) this.hud.renderZones();
        break;
      case "said":
        this.chat?.handle(message);
        break;
      case "chat":
        if (message.kind === "agent" && this.agents !== null) this.agentMessage(message);
        else this.chat?.handle(message);
        break;
      case "talking":
      case "asked":
      case "reply":
        this.agentMessage(message);
        break;
      case "bubble":
        this.view.showBubble?.(message);
        break;
      case "peer":
      case "signal":
      case "ice":
        this.talk.received(message);
        break;
      case "error":
        this.failed(message);
        break;
      default:
        break;
    }
  }

  // A message of a conversation with an agent, and what it asks of the
  // page.
  agentMessage(message) {
    const outcome = this.agents?.handle(message) ?? null;
    if (outcome === null) return;
    if (outcome.notice !== undefined) this.hud.notice(TALK_NOTICE, outcome.notice);
    if (outcome.closed !== undefined) this.agentsClosed([outcome.closed]);
    if (outcome.guide !== undefined) this.view.showGuide?.(outcome.guide);
  }

  // Conversations with these agents ended: a zone's agent among them is
  // let go, so that the zone opens it again.
  agentsClosed(agents) {
    if (agents.length === 0) return;
    for (const agent of agents) this.effects.agentClosed(agent);
    this.hud.renderZones();
  }

  // The server could not do what was asked (the connection stays open).
  failed(error) {
    if (QUIET_ERRORS.has(error.code)) return;
    this.hud.notice(error.code, error.message || `The server reported ${error.code}.`);
  }

  welcomed(welcome) {
    // What the player had on from the zones stays only when the same
    // avatar is resumed where it was; effects of the new place follow
    // this welcome, so the reset cannot wait for the map to load.
    // The conversations with agents stayed behind too (before the
    // effects' reset, which would close them).
    this.agents?.welcomed(welcome);
    if (!welcome.resumed) this.effects.reset();
    this.effects.zonesReported(welcome.zones ?? []);
    // Conversations start afresh with every welcome, and the next
    // messages may already be about new ones: not a moment to wait for
    // the map.
    this.talk.welcomed(welcome);
    if (welcome.moved) this.onMoved();
    // Patches that arrive while the map loads wait their turn: every
    // motion counts for where the others are.
    this.ready = false;
    this.backlog = [];
    return this.enterInTurn(welcome);
  }

  // Welcomes are entered one after the other (a second door while the
  // first map loads), and play starts with the last. A map that failed
  // to load must not hold up the next welcome; until one comes, the
  // player may try the same again (the patches since still wait).
  enterInTurn(welcome) {
    const before = (this.entering ?? Promise.resolve()).catch(() => {});
    const entered = before.then(() => this.enter(welcome));
    this.entering = entered;
    return entered.then(() => {
      if (this.entering !== entered) return;
      this.ready = true;
      this.hud.loaded();
      const backlog = this.backlog;
      this.backlog = null;
      for (const patch of backlog) this.patched(patch);
    }, (error) => {
      if (this.entering !== entered) return;
      this.hud.mapFailed(`The map could not be loaded: ${error.message}`, () => {
        if (this.entering === entered) this.enterInTurn(welcome);
      });
    });
  }

  // A welcome: (re)load the map if it changed, and start from the snapshot.
  async enter(welcome) {
    const map = await this.maps.load(welcome);
    this.obstacles = map.obstacles;
    this.mapName = map.name;
    this.world = new World(this.obstacles);
    this.world.welcome(welcome);
    const [id, name, avatar, , , x, y, , facing] = welcome.me;
    this.selfId = id;
    this.user = welcome.user ?? null;
    this.playerName = name;
    const body = { x, y, facing, state: IDLE };
    const now = this.now();
    if (welcome.moved && this.predictor !== null) {
      // Same connection, same step numbers: the steps not yet sent, and
      // those on their way, still count.
      this.predictor.relocate(this.obstacles, body, welcome.ack);
    } else {
      // A new connection: steps still waiting were discarded.
      this.predictor = new Predictor(this.obstacles, body, welcome.ack);
      this.batcher = new Batcher(now);
    }
    // Steps are not taken while a map loads; they must not all come due
    // at once afterwards.
    this.inputClock = new InputClock(now);
    // Every room counts its own ticks.
    const room = welcome.room ?? welcome.map;
    if (this.roomName !== room) this.serverClock = new ServerClock();
    this.roomName = room;
    this.view.enterWorld({
      self: { id, name, avatar },
      entities: [...this.world.entities.values()],
      width: map.width,
      height: map.height,
      map: map.name,
      about: map.about ?? null,
    });
    this.serverClock.observe(welcome.tick, now);
    this.hud.showZones(welcome.zones ?? []);
  }

  patched(patch) {
    const { added, removed } = this.world.applyPatch(patch);
    for (const id of removed) this.view.entityRemoved(id);
    for (const id of added) {
      if (id !== this.selfId) this.view.entityAdded(this.world.entities.get(id));
    }
    if (patch.zones) this.hud.showZones(patch.zones);
    const now = this.now();
    this.serverClock.observe(patch.tick, now);
    if (patch.me) {
      const [ack, queued, x, y, facing, state] = patch.me;
      this.predictor.acknowledge(ack, { x, y, facing, state });
      this.inputClock.queueReported(queued);
      if (this.predictor.pending.length === 0) this.batcher.settled();
      this.flush(now, true);
    }
  }

  // The steps due by now: each takes bitsFor(body, now)'s input bits (the
  // controls'), moves the prediction, and goes out in the next batch.
  takeSteps(now, bitsFor) {
    if (!this.ready) return;
    for (let due = this.inputClock.due(now); due > 0; due--) {
      const bits = bitsFor(this.predictor.body, now);
      const seq = this.predictor.sample(bits);
      this.batcher.add(seq, bits);
    }
    this.flush(now, false);
  }

  flush(now, patchArrived) {
    for (const message of this.batcher.take(now, patchArrived)) this.send(message);
  }

  // The interact key or the action button: the server decides what it
  // does from the zones it has the avatar in.
  act() {
    if (!this.ready) return false;
    if (!this.send({ t: "act" })) return false;
    this.effects.acted();
    return true;
  }

  // The tick to draw others at now (null before any patch).
  renderTick(now, frameMs) {
    return this.serverClock.renderTick(now, frameMs);
  }
}
