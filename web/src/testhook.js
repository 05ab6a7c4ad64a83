// The one door through which the end-to-end tests (web/e2e/) and the
// benchmark (benchmarks/client_bench.mjs) look into a running page:
// `window.arkTest`, set once the game scene has started. Everything else
// the tests do, they do as a player would (keys, clicks, taps, what the
// page shows); what has no visible form, or would take a player minutes,
// is here. Every method returns plain data (what page.evaluate can bring
// back); positions are in units (1/60 px) unless said otherwise.
//
//   ready()             whether the world is drawn and play is on
//   snapshot()          null before that; else { selfId, user, map,
//                       me: [x, y] (the predicted body), zones (names as
//                       in Tiled), ack, pending, corrections (prediction.js),
//                       entities: { id: [x, y] as drawn } } for the others
//   agents()            null before play is on; else the agents (the
//                       server's NPCs) among the others, by entity id:
//                       [{ id (the entity's), agentId, name, role, state
//                       ("idle", "listening", "thinking", "talking"),
//                       withId (the entity it is busy with, or null), x, y
//                       (as drawn, or null if not drawn) }]
//   steer(points)       walk through [[x, y], ...] with the autopilot
//   steering()          whether the autopilot is still on its way
//   pagePointOf(id)     where an entity's avatar (the player's own too) is
//                       drawn on the page, its middle in CSS px: { x, y },
//                       or null when it is not drawn
//   pagePointAt(x, y)   where the world's point (x, y), in px, is on the
//                       page, in CSS px: { x, y }
//   visibleWorld()      what the camera shows: [x, y, width, height] in px
//   coveredBottom()     CSS px of the game hidden by a bottom sheet
//   effects()           the zone effects in force: { call: { room, domain }
//                       or null, agent (its id) or null, silenced, private,
//                       sounds: [{ url, volume, loop }] as the page's audio
//                       elements have them }
//   avatarsDrawn()      the name on every avatar in the scene's display
//                       list (a sprite left behind would show here)
//   mapDrawn()          { name, width, height } of the drawn tilemap (tiles)
//   connectionState()   connection.js's last status: { state, ... }
//   dropConnection()    cut the connection as a failed network would (the
//                       page reconnects and resumes on its own)
//   session()           { accessToken, refreshToken, expiresAt, user } as
//                       auth.js keeps them, or null when signed out
//   api(url, options)   an authorized JSON request to the HTTP API
//   benchResult()       the benchmark page's result, null until its walk
//                       is over and acknowledged (bench.js, BenchRun)
//   talk()              voice and video (media.js), null on a page that
//                       does not talk: { peers: [{ pair, id, user, name,
//                       polite, state (the RTCPeerConnection's
//                       connectionState), gain (distance × volume as the
//                       last frame set it on the partner's GainNode, also
//                       while they send no audio), volume (the
//                       player's slider, 0–1), level (RMS of the partner's
//                       audio as Web Audio receives it, before the gain),
//                       speaking, video (their video track brings frames) }],
//                       asks: [{ pair, id, name }] (busy: to answer),
//                       waiting: [{ pair, id, name }] (asking them),
//                       muted, microphone (one is open), camera (on),
//                       status (what others see), mediaError (the line
//                       shown, or null), soundBlocked (the AudioContext is
//                       not running) }
//   agentChat()         conversations with agents (agentchat.js), null on
//                       a page without the chat: { agent (the id of the
//                       conversation opened last, or null), open (whether
//                       it still is), session (its session), shown: { key,
//                       session, agent, title } of the chat's tab in view,
//                       typing (an answer is on its way there, no word of
//                       it yet), streaming (its words so far, or null),
//                       reason (why ask anyone chose the agent, the last
//                       given there, or null), messages: [{ from (a name,
//                       or null for ark), agent (an agent's id, or null),
//                       text }] stored then waiting, errors: [text] of the
//                       refusals shown, pieces (how many pieces of
//                       answers came, in all) }
//   bubbles()           { entityId: text } of the speech bubbles over agents
//   guide()             { place, path: [[x, y], ...] (px) } of the way an
//                       agent showed, drawn on the map, or null
//   talkStats()         async: per connection { pair, id, state,
//                       bytesReceived, totalAudioEnergy (inbound audio),
//                       bytesSent (outbound audio), videoBytesReceived,
//                       videoBytesSent, localCandidateType,
//                       remoteCandidateType (of the selected candidate
//                       pair: "host", "srflx", "prflx" or "relay") }

export class TestHook {
  // The running page's parts: net (netcontroller.js), controls
  // (controls.js), avatars (avatars.js), camera (camera.js), hud
  // (hud.js), maps (maploader.js), effects (effects.js), sounds (sounds.js's SoundBoard),
  // connection (connection.js), auth (auth.js), bench (bench.js's
  // BenchRun, or null), talk (media.js's Talk, or null), agents
  // (agentchat.js's AgentChat, or null), bubbles (bubbles.js), guide
  // (guidepath.js); displayList():
  // the scene's children; canvasRect(): where the game's canvas is on
  // the page.
  constructor(parts) {
    this.parts = parts;
  }

  ready() {
    return this.parts.net.ready;
  }

  snapshot() {
    const { net, avatars, hud } = this.parts;
    if (!net.ready) return null;
    const { body } = net.predictor;
    return {
      selfId: net.selfId,
      user: net.user,
      map: net.mapName,
      me: [body.x, body.y],
      zones: hud.zoneNames,
      ack: net.predictor.ackSeq,
      pending: net.predictor.pending.length,
      corrections: net.predictor.corrections,
      entities: avatars.positions(),
    };
  }

  agents() {
    const { net, avatars } = this.parts;
    if (!net.ready) return null;
    const drawn = avatars.positions();
    const agents = [];
    for (const entity of net.world.entities.values()) {
      const agent = entity.agent ?? null;
      if (agent === null) continue;
      const [x, y] = drawn[entity.id] ?? [null, null];
      agents.push({ id: entity.id, agentId: agent.id, name: entity.name, role: agent.role,
        state: agent.state, withId: agent.withId, x, y });
    }
    // In one order, so that two pages' lists compare equal.
    return agents.sort((a, b) => a.id - b.id);
  }

  steer(points) {
    this.parts.controls.steer(points);
  }

  steering() {
    return this.parts.controls.steering;
  }

  pagePointOf(id) {
    const sprite = this.parts.avatars.spriteOf(id);
    if (sprite === null) return null;
    const centre = sprite.getCenter();
    return this.parts.camera.pagePoint(centre.x, centre.y, this.parts.canvasRect());
  }

  pagePointAt(x, y) {
    return this.parts.camera.pagePoint(x, y, this.parts.canvasRect());
  }

  visibleWorld() {
    return this.parts.camera.visibleWorld();
  }

  coveredBottom() {
    return this.parts.camera.coveredBottom;
  }

  effects() {
    const { effects, sounds } = this.parts;
    return {
      call: effects.call === null ? null : { room: effects.call.room, domain: effects.call.domain },
      agent: effects.agent?.agent ?? null,
      silenced: effects.silenced,
      private: effects.inPrivate,
      sounds: [...sounds.playing].map(([url, audio]) => ({ url, volume: audio.volume, loop: audio.loop })),
    };
  }

  avatarsDrawn() {
    return this.parts.displayList().filter((child) => child.isAvatar).map((sprite) => sprite.label.text);
  }

  mapDrawn() {
    const { maps } = this.parts;
    if (maps.tilemap === null) return null;
    return { name: maps.name, width: maps.tilemap.width, height: maps.tilemap.height };
  }

  connectionState() {
    return this.parts.net.status;
  }

  dropConnection() {
    return this.parts.connection.drop();
  }

  session() {
    const session = this.parts.auth.session;
    if (session === null) return null;
    const { accessToken, refreshToken, expiresAt, user } = session;
    return { accessToken, refreshToken, expiresAt: expiresAt ?? null, user: user ?? null };
  }

  api(url, options) {
    return this.parts.auth.authorizedJSON(url, options);
  }

  benchResult() {
    return this.parts.bench?.result ?? null;
  }

  talk() {
    return this.parts.talk?.snapshot() ?? null;
  }

  async talkStats() {
    return (await this.parts.talk?.stats()) ?? [];
  }

  agentChat() {
    return this.parts.agents?.snapshot() ?? null;
  }

  bubbles() {
    return this.parts.bubbles?.snapshot() ?? {};
  }

  guide() {
    return this.parts.guide?.snapshot() ?? null;
  }
}
