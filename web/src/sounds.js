// The zones' sounds: one audio element per address, started, retuned and
// stopped as effects.js says. Browsers refuse to play sound on a page the
// player has not touched yet; a refused sound waits for the next key or
// tap and tries again, and nothing ever throws at the caller.

export class SoundBoard {
  // createAudio(url): an HTMLAudioElement (or anything with play(),
  // pause(), volume and loop); onGesture(callback): call back once, at the
  // player's next key or tap (see nextGesture).
  constructor({ createAudio, onGesture }) {
    this.createAudio = createAudio;
    this.onGesture = onGesture;
    this.playing = new Map();
    this.refused = new Set();
    this.waiting = false;
  }

  play(url, volume, loop) {
    let audio = this.playing.get(url);
    if (audio === undefined) {
      audio = this.createAudio(url);
      this.playing.set(url, audio);
    }
    audio.volume = volume;
    audio.loop = loop;
    this.start(audio);
  }

  stop(url) {
    const audio = this.playing.get(url);
    if (audio === undefined) return;
    this.playing.delete(url);
    this.refused.delete(audio);
    audio.pause();
  }

  start(audio) {
    let started;
    try {
      started = audio.play();
    } catch (error) {
      started = Promise.reject(error);
    }
    Promise.resolve(started).catch((error) => {
      // Only the autoplay refusal is worth a retry; a sound that cannot
      // be fetched or decoded stays silent.
      if (error?.name !== "NotAllowedError") return;
      if (![...this.playing.values()].includes(audio)) return;
      this.refused.add(audio);
      this.retryAtGesture();
    });
  }

  retryAtGesture() {
    if (this.waiting) return;
    this.waiting = true;
    this.onGesture(() => {
      this.waiting = false;
      const again = [...this.refused];
      this.refused.clear();
      // Still inside the key or tap's handler: that is what lets it play.
      for (const audio of again) this.start(audio);
    });
  }
}

// onGesture for SoundBoard: the next keydown or pointerdown on target
// (the window), seen in the capture phase so that controls which stop
// their events (the action button) still count.
export function nextGesture(target) {
  return (callback) => {
    const types = ["keydown", "pointerdown"];
    const options = { capture: true };
    const fired = () => {
      for (const type of types) target.removeEventListener(type, fired, options);
      callback();
    };
    for (const type of types) target.addEventListener(type, fired, options);
  };
}
