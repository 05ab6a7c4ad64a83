// What a client knows of the other avatars in its room, kept from the
// welcome and the patches exactly as docs/protocol.md describes: each
// entity is its last motion, replayed with the movement rule to any later
// tick. Nothing here draws; the scene asks where an entity stands.

import { IDLE, step } from "./movement.js";

// On the wire, the input bits of a "stood still" motion carry this flag.
export const STILL_FLAG = 32;

export class Entity {
  // description: [id, name, avatar, connected, tick, x, y, bits, facing, user]
  constructor(description) {
    const [id, name, avatar, connected, tick, x, y, bits, facing, user] = description;
    this.id = id;
    this.name = name;
    this.avatar = avatar;
    this.connected = connected;
    // The player's user id (what a direct chat is addressed to); null
    // from a server older than user ids.
    this.user = user ?? null;
    this.settle(tick, { x, y, facing, state: IDLE }, bits);
  }

  // From the end of tick on, the entity stands at body and applies bits.
  settle(tick, body, bits) {
    this.since = tick;
    this.bits = bits;
    this.anchor = body;
    // The last place it was worked out to, so that asking for later ticks
    // as time goes on steps forward instead of replaying from the anchor.
    this.reachedTick = tick;
    this.reached = body;
  }

  // Where the entity stands at the end of tick (not before its anchor).
  bodyAt(tick, obstacles) {
    if (tick < this.reachedTick) {
      this.reachedTick = this.since;
      this.reached = this.anchor;
    }
    let body = this.reached;
    for (let t = this.reachedTick; t < tick; t++) {
      body = step(body, this.bits, obstacles);
    }
    if (tick > this.reachedTick) {
      this.reachedTick = tick;
      this.reached = body;
    }
    return body;
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
      this.settle(tick, step(before, bits, obstacles), bits);
    }
  }
}

export class World {
  constructor(obstacles) {
    this.obstacles = obstacles;
    this.entities = new Map();
    // The last tick whose motions the client has in full.
    this.tick = 0;
  }

  welcome(message) {
    this.selfId = message.id;
    this.tick = message.tick;
    this.entities.clear();
    for (const description of message.entities) {
      this.entities.set(description[0], new Entity(description));
    }
  }

  // Apply one patch; returns {added, removed} ids, for the scene.
  applyPatch(patch) {
    const removed = patch.del ?? [];
    const added = [];
    for (const id of removed) this.entities.delete(id);
    for (const description of patch.add ?? []) {
      this.entities.set(description[0], new Entity(description));
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
      if (entity !== undefined && "c" in fields) entity.connected = fields.c;
    }
    this.tick = patch.tick;
    return { added, removed };
  }
}
