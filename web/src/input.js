// When the client takes input steps and when it sends them, as
// docs/protocol.md ("Keeping input on time") asks: a fixed 60 Hz step
// clock; batches sent in answer to each patch that acknowledges steps, or
// after 50 ms when none is awaited (75 ms when one is overdue); and the
// server's reported queue depth used to slow the clock when it runs ahead.

export const TICK_MS = 1000 / 60;
export const SEND_INTERVAL_MS = 50;
export const PATCH_OVERDUE_MS = 75;
export const QUEUE_WINDOW = 10;
export const SETTLE_WINDOWS = 4;
export const MAX_STEPS_PER_MESSAGE = 30;

export class InputClock {
  constructor(now) {
    this.origin = now;
    this.ticksTaken = 0;
    this.lowest = null;
    this.reports = 0;
    this.settled = 0;
  }

  // How many 60 Hz steps are due since the last call.
  due(now) {
    const ticks = Math.floor((now - this.origin) / TICK_MS + 1e-6);
    const count = Math.max(0, ticks - this.ticksTaken);
    this.ticksTaken = Math.max(this.ticksTaken, ticks);
    return count;
  }

  // A patch reported queued steps still waiting at the server.
  queueReported(queued) {
    if (this.lowest === null || queued < this.lowest) this.lowest = queued;
    this.reports++;
    if (this.reports < QUEUE_WINDOW) return;
    const lowest = this.lowest;
    this.lowest = null;
    this.reports = 0;
    if (lowest >= 2) {
      this.origin += (lowest - 1) * TICK_MS;
      this.settled = 0;
    } else if (lowest === 1) {
      this.settled++;
      if (this.settled >= SETTLE_WINDOWS) {
        this.origin += TICK_MS;
        this.settled = 0;
      }
    } else {
      this.settled = 0;
    }
  }
}

// Collects numbered steps and decides when a batch goes out.
export class Batcher {
  constructor(now) {
    this.waiting = [];
    this.lastSentAt = now - SEND_INTERVAL_MS;
    // Whether sent steps await their acknowledgement (then the patch that
    // brings it is the moment to send the next batch).
    this.awaiting = false;
  }

  add(seq, bits) {
    if (bits !== 0) this.waiting.push([seq, bits]);
  }

  // The messages to send now, if any: [{t: "in", seq, steps}, ...], one
  // per run of consecutive numbers (idle steps are not sent).
  take(now, patchArrived) {
    const wait = this.awaiting ? PATCH_OVERDUE_MS : SEND_INTERVAL_MS * 0.9;
    if (!this.waiting.length || (!patchArrived && now - this.lastSentAt < wait)) return [];
    const messages = [];
    for (const [seq, bits] of this.waiting) {
      const last = messages[messages.length - 1];
      if (last && last.seq + last.steps.length === seq && last.steps.length < MAX_STEPS_PER_MESSAGE) {
        last.steps.push(bits);
      } else {
        messages.push({ t: "in", seq, steps: [bits] });
      }
    }
    this.waiting = [];
    this.lastSentAt = now;
    this.awaiting = true;
    return messages;
  }

  // Every step sent so far has been acknowledged.
  settled() {
    this.awaiting = false;
  }
}
