// The partners' voices, through Web Audio: each remote audio track goes
// source → gain → the speakers, the gain following the distance (gain.js)
// times the player's volume for that person, moved with setTargetAtTime so
// no change is ever heard as a click. An analyser beside the gain reads how
// loud the person speaks, whatever the distance: the speaking indicator,
// and the end-to-end tests' proof that sound arrives.
//
// Chromium hands Web Audio nothing but silence from a remote stream that
// no media element plays, so each stream also plays in a muted <audio>.
//
// Browsers keep an AudioContext suspended until the player has touched the
// page; until then every key or tap tries to start it, and the page shows
// a "Click to turn sound on" button (blocked says when).
//
// The AudioContext, the audio elements and MediaStream are passed in, so
// the tests run this with fakes.

import { GAIN_SMOOTHING_SECONDS, gainChanged } from "./gain.js";

// Samples the analyser looks at: about 20 ms at 48 kHz.
const ANALYSER_SIZE = 1024;
// Louder than this (RMS of the samples, 1 being full scale) is speaking;
// the indicator holds for a moment so it does not flicker between words.
export const SPEAKING_LEVEL = 0.01;
export const SPEAKING_HOLD_MS = 300;

// Whether someone is speaking, from their level over time.
export class SpeakingMeter {
  constructor() {
    this.lastLoud = null;
  }

  // level: the RMS now; now: ms.
  update(level, now) {
    if (level >= SPEAKING_LEVEL) this.lastLoud = now;
    return this.lastLoud !== null && now - this.lastLoud <= SPEAKING_HOLD_MS;
  }
}

// What starts a suspended AudioContext: events that count as the player's
// activation in every browser (touch only activates at its end).
const GESTURES = ["keydown", "pointerdown", "pointerup", "touchend"];

export class Voice {
  // context: an AudioContext; createAudio(): an HTMLAudioElement;
  // MediaStream: the constructor; gestures: the EventTarget (the window)
  // whose keys and taps may start the context; onChange(): whether sound
  // is blocked changed.
  constructor({ context, createAudio, MediaStream, gestures = null, onChange = () => {} }) {
    this.context = context;
    this.createAudio = createAudio;
    this.MediaStream = MediaStream;
    this.gestures = gestures;
    this.onChange = onChange;
    // By pair: { track, element, source, gain, analyser, samples, target }.
    this.voices = new Map();
    this.listening = false;
    this.tryResume = () => this.resume();
    context.addEventListener?.("statechange", () => this.stateChanged());
    this.resume();
  }

  // Sound is held back by the browser until the player touches the page.
  get blocked() {
    const { state } = this.context;
    return state !== "running" && state !== "closed";
  }

  // Start the context; from a click this always works. While it stays
  // suspended, the player's next key or tap tries again.
  resume() {
    if (!this.blocked) return;
    Promise.resolve(this.context.resume?.()).catch(() => {}).then(() => this.stateChanged());
    this.listenForGestures(this.blocked);
  }

  stateChanged() {
    this.listenForGestures(this.blocked);
    this.onChange();
  }

  listenForGestures(on) {
    if (this.gestures === null || on === this.listening) return;
    this.listening = on;
    for (const type of GESTURES) {
      if (on) this.gestures.addEventListener(type, this.tryResume, { capture: true });
      else this.gestures.removeEventListener(type, this.tryResume, { capture: true });
    }
  }

  // The partner of pair sends this audio track (again, after a
  // renegotiation: the same track changes nothing).
  attach(pair, track) {
    const known = this.voices.get(pair);
    if (known?.track === track) return;
    if (known !== undefined) this.detach(pair);
    const stream = new this.MediaStream([track]);
    const element = this.createAudio();
    element.muted = true;
    element.srcObject = stream;
    Promise.resolve(element.play?.()).catch(() => {
      // A muted element may always play; nothing to do if one does not.
    });
    const { context } = this;
    const source = context.createMediaStreamSource(stream);
    const gain = context.createGain();
    // Silent until the first distance is known, then faded in.
    gain.gain.value = 0;
    const analyser = context.createAnalyser();
    analyser.fftSize = ANALYSER_SIZE;
    source.connect(gain);
    gain.connect(context.destination);
    source.connect(analyser);
    this.voices.set(pair, { track, element, source, gain, analyser, samples: new Float32Array(ANALYSER_SIZE), target: null });
  }

  detach(pair) {
    const voice = this.voices.get(pair);
    if (voice === undefined) return;
    this.voices.delete(pair);
    voice.source.disconnect();
    voice.gain.disconnect();
    voice.analyser.disconnect();
    voice.element.pause?.();
    voice.element.srcObject = null;
  }

  clear() {
    for (const pair of [...this.voices.keys()]) this.detach(pair);
  }

  // Hear pair's partner at this gain (0–1: distance times volume).
  setGain(pair, value) {
    const voice = this.voices.get(pair);
    if (voice === undefined || !gainChanged(voice.target, value)) return;
    voice.target = value;
    voice.gain.gain.setTargetAtTime(value, this.context.currentTime, GAIN_SMOOTHING_SECONDS);
  }

  // The gain pair's partner is moving to (null before the first).
  gainOf(pair) {
    return this.voices.get(pair)?.target ?? null;
  }

  // How loud pair's partner is now, as Web Audio receives it (RMS, 0–1),
  // before distance and volume; 0 without their audio.
  level(pair) {
    const voice = this.voices.get(pair);
    if (voice === undefined) return 0;
    voice.analyser.getFloatTimeDomainData(voice.samples);
    let sum = 0;
    for (const sample of voice.samples) sum += sample * sample;
    return Math.sqrt(sum / voice.samples.length);
  }
}
