// The player's own avatar, moved at once by the player's input and kept
// in line with the server: every step is applied locally with the shared
// movement rule and remembered until the server acknowledges it; an
// acknowledgement rewinds to the server's body after that step and replays
// the steps it has not consumed yet. When the rule and the server agree
// (no one else moved us, nothing was dropped) the replay lands exactly on
// the prediction and nothing is corrected.

import { step } from "./movement.js";

// Corrections up to this many units are blended in over a few frames; a
// larger one (a teleport, a long stall) is applied at once.
export const SNAP_DISTANCE = 48 * 60;
// The share of the remaining visual offset kept at each frame.
export const SMOOTHING = 0.6;

export class Predictor {
  constructor(obstacles, body, ackSeq = -1) {
    this.obstacles = obstacles;
    this.body = body;
    this.pending = [];
    this.ackSeq = ackSeq;
    this.nextSeq = ackSeq + 1;
    this.corrections = 0;
    // Drawn position = body + offset; the offset decays to zero.
    this.offsetX = 0;
    this.offsetY = 0;
  }

  // Take one 60 Hz step of input: returns its sequence number. Idle steps
  // are applied too (they keep the facing) but need not be sent.
  sample(bits) {
    const seq = this.nextSeq++;
    this.body = step(this.body, bits, this.obstacles);
    if (bits !== 0) this.pending.push([seq, bits]);
    return seq;
  }

  // The server consumed every step up to ack, ending at serverBody
  // ({x, y, facing, state}). Returns the correction applied, in units
  // ([dx, dy], zero when the prediction was right).
  acknowledge(ack, serverBody) {
    if (ack < this.ackSeq) return [0, 0];
    this.ackSeq = ack;
    while (this.pending.length && this.pending[0][0] <= ack) this.pending.shift();
    let body = serverBody;
    for (const [, bits] of this.pending) body = step(body, bits, this.obstacles);
    const dx = body.x - this.body.x;
    const dy = body.y - this.body.y;
    if (dx !== 0 || dy !== 0) {
      this.corrections++;
      if (Math.abs(dx) + Math.abs(dy) > SNAP_DISTANCE) {
        this.offsetX = 0;
        this.offsetY = 0;
      } else {
        // Keep drawing where the player saw the avatar, and let it glide.
        this.offsetX -= dx;
        this.offsetY -= dy;
      }
    }
    this.body = body;
    return [dx, dy];
  }

  // The server moved the avatar to another map (a door): it stands at
  // `body` among `obstacles` after step `ack`, the last one the server
  // had received. The steps after it were still on their way and the
  // server applies them on the new map, so they are replayed there and
  // numbering goes on: nothing needs correcting.
  relocate(obstacles, body, ack) {
    this.obstacles = obstacles;
    this.pending = this.pending.filter(([seq]) => seq > ack);
    this.ackSeq = Math.max(this.ackSeq, ack);
    this.nextSeq = Math.max(this.nextSeq, ack + 1);
    let replayed = body;
    for (const [, bits] of this.pending) replayed = step(replayed, bits, obstacles);
    this.body = replayed;
    // A new place: nothing to glide from.
    this.offsetX = 0;
    this.offsetY = 0;
  }

  // Where to draw the avatar this frame, in units.
  drawnPosition() {
    const position = [this.body.x + this.offsetX, this.body.y + this.offsetY];
    this.offsetX *= SMOOTHING;
    this.offsetY *= SMOOTHING;
    if (Math.abs(this.offsetX) < 1) this.offsetX = 0;
    if (Math.abs(this.offsetY) < 1) this.offsetY = 0;
    return position;
  }
}
