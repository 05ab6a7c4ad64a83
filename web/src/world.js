// What a client knows of the other avatars in its room, kept from the
// welcome and the patches exactly as docs/protocol.md describes: each
// entity is its last motion, replayed with the movement rule to any later
// tick. Agents (the server's NPCs) are entities too, moving by the same
// rule, with what they are and are doing besides. Nothing here draws; the
// scene asks where an entity stands.

import { IDLE, step } from "./movement.js";

// On the wire, the input bits of a "stood still" motion carry this flag.
export const STILL_FLAG = 32;

// What an agent (an NPC the server moves like a player) may be doing.
export const AGENT_STATES = ["idle", "listening", "thinking", "talking"];

// An agent's state as the wire has it, [state, withId] (an entity's
// twelfth element ends with it; a patch's chg.a is it): { state, withId },
// or null when it is not one the client understands, so that a garbled or
// newer value leaves what is known alone rather than half-applied.
export function parseAgentState(value) {
  if (!Array.isArray(value)) return null;
  const [state, withId = null] = value;
  if (!AGENT_STATES.includes(state)) return null;
  if (withId !== null && !Number.isInteger(withId)) return null;
  return { state, withId };
}

// An entity's twelfth element: null (or absent, from a server older than
// agents) for a player; [agentId, role, state, withId] for an agent.
// Returns { id, role, state, withId }, or null for "not an agent": only a
// text id makes an agent, since without it nothing can address it. A role
// that is not text is left out, and a state not understood is taken as
// idle with no one: the agent is still there to be seen and clicked.
export function parseAgent(value) {
  if (!Array.isArray(value)) return null;
  const [id, role, ...state] = value;
  if (typeof id !== "string" || id === "") return null;
  return {
    id,
    role: typeof role === "string" ? role : "",
    ...(parseAgentState(state) ?? { state: "idle", withId: null }),
  };
}

export class Entity {
  // description: [id, name, avatar, connected, tick, x, y, bits, facing,
  // user, status, agent]; move: the movement rule (movement.js's step;
  // the tests count its calls).
  constructor(description, move = step) {
    const [id, name, avatar, connected, tick, x, y, bits, facing, user, status, agent] = description;
    this.id = id;
    this.name = name;
    this.avatar = avatar;
    this.connected = connected;
    // The player's user id (what a direct chat is addressed to); null
    // from a server older than user ids.
    this.user = user ?? null;
    // "online", "away", "busy" or "dnd"; a server older than statuses
    // sends none.
    this.status = status ?? "online";
    // An agent's { id, role, state, withId } (parseAgent); null for a player.
    this.agent = parseAgent(agent);
    this.move = move;
    this.settle(tick, { x, y, facing, state: IDLE }, bits);
  }

  // From the end of tick on, the entity stands at body and applies bits.
  settle(tick, body, bits) {
    this.since = tick;
    this.bits = bits;
    this.anchor = body;
    // The last two places it was worked out to (at reachedTick and the
    // tick before), so that asking for later ticks as time goes on steps
    // forward, and a frame drawn between the same two ticks as the last
    // (positionAt asks for both) steps not at all.
    this.reachedTick = tick;
    this.reached = body;
    this.previous = null;
    // The first tick from which the body no longer changes (it stands
    // idle, or walks into a wall: the rule maps it onto itself, and does
    // for good, as nothing else changes until the next motion); null
    // while it is not known to have come to rest, and where it rests.
    this.restsFrom = null;
    this.resting = null;
  }

  // Where the entity stands at the end of tick (not before its anchor).
  // Exactly the body that replaying the rule from the anchor gives, at a
  // cost bounded by the ticks since the last call, or nothing at rest.
  bodyAt(tick, obstacles) {
    if (this.restsFrom !== null && tick >= this.restsFrom) return this.resting;
    if (tick === this.reachedTick) return this.reached;
    if (tick === this.reachedTick - 1 && this.previous !== null) return this.previous;
    if (tick < this.reachedTick) {
      this.reachedTick = this.since;
      this.reached = this.anchor;
      this.previous = null;
    }
    while (this.reachedTick < tick) {
      const body = this.move(this.reached, this.bits, obstacles);
      if (sameBody(body, this.reached)) {
        // A fixed point: every later tick finds it here too.
        this.restsFrom = this.reachedTick;
        this.resting = this.reached;
        return this.resting;
      }
      this.previous = this.reached;
      this.reached = body;
      this.reachedTick++;
    }
    return this.reached;
  }

  // Apply a motion that happened at tick; motions at or before what is
  // already known are skipped, as the protocol says.
  applyMotion(tick, motion, obstacles) {
    if (tick <= this.since) return;
    if (motion.length === 6) {
      const [, , bits, facing, x, y] = motion;
      this.settle(tick, { x, y, facing, state: IDLE }, bits);
      return;
    }
    const before = this.bodyAt(tick - 1, obstacles);
    const bits = motion[2];
    if (bits & STILL_FLAG) {
      this.settle(tick, { ...before, state: IDLE }, bits & ~STILL_FLAG);
    } else {
      this.settle(tick, this.move(before, bits, obstacles), bits);
    }
  }
}

function sameBody(a, b) {
  return a.x === b.x && a.y === b.y && a.facing === b.facing && a.state === b.state;
}

export class World {
  // move: the movement rule its entities replay (movement.js's step).
  constructor(obstacles, move = step) {
    this.obstacles = obstacles;
    this.move = move;
    this.entities = new Map();
    // The last tick whose motions the client has in full.
    this.tick = 0;
  }

  welcome(message) {
    this.selfId = message.id;
    this.tick = message.tick;
    this.entities.clear();
    for (const description of message.entities) {
      this.entities.set(description[0], new Entity(description, this.move));
    }
  }

  // Apply one patch; returns {added, removed} ids, for the scene.
  applyPatch(patch) {
    const removed = patch.del ?? [];
    const added = [];
    for (const id of removed) this.entities.delete(id);
    for (const description of patch.add ?? []) {
      this.entities.set(description[0], new Entity(description, this.move));
      added.push(description[0]);
    }
    for (const motion of patch.mv ?? []) {
      const entity = this.entities.get(motion[0]);
      if (entity !== undefined) {
        entity.applyMotion(patch.tick - motion[1], motion, this.obstacles);
      }
    }
    for (const [id, fields] of patch.chg ?? []) {
      const entity = this.entities.get(id);
      if (entity === undefined) continue;
      if ("c" in fields) entity.connected = fields.c;
      if ("s" in fields) entity.status = fields.s;
      // Only an agent has a state to change; a player is not made one by
      // a patch, and a value not understood keeps the state known.
      if ("a" in fields && entity.agent !== null) {
        const changed = parseAgentState(fields.a);
        if (changed !== null) entity.agent = { ...entity.agent, ...changed };
      }
    }
    this.tick = patch.tick;
    return { added, removed };
  }
}
