// The page's side of zone effects (effects.js decides, this shows): the
// prompt above the action button, the silent and private indicators, the
// agent's panel, the meeting panel and the sounds.

import { CallPanel } from "./callpanel.js";
import { SoundBoard, nextGesture } from "./sounds.js";

export class EffectView {
  // nameOf, phoneQuery, onCover: as CallPanel takes them; onHangUp and
  // onCloseAgent: the player closed the call or the agent's panel.
  constructor({ nameOf, phoneQuery, onCover, onHangUp, onCloseAgent }) {
    this.prompt = document.getElementById("prompt");
    this.silenced = document.getElementById("silenced");
    this.private = document.getElementById("private");
    this.agent = document.getElementById("agent");
    this.agentName = document.getElementById("agent-name");
    document.getElementById("agent-close").addEventListener("click", () => onCloseAgent());
    this.calls = new CallPanel({ nameOf, phoneQuery, onHangUp, onCover });
    this.sounds = new SoundBoard({ createAudio: (url) => new Audio(url), onGesture: nextGesture(window) });
  }

  showPrompt(text) {
    this.prompt.textContent = text ?? "";
    this.prompt.hidden = text === null;
  }

  openCall(call) {
    this.calls.open(call);
  }

  closeCall() {
    this.calls.close();
  }

  showSilenced(on) {
    this.silenced.hidden = !on;
  }

  showPrivate(on) {
    this.private.hidden = !on;
  }

  playSound(url, volume, loop) {
    this.sounds.play(url, volume, loop);
  }

  stopSound(url) {
    this.sounds.stop(url);
  }

  openAgent(agent) {
    // The agents themselves come later, listening for ark:agent-open;
    // until then the panel says so.
    this.agentName.textContent = `Talk to ${agent}`;
    this.agent.hidden = false;
  }

  closeAgent() {
    this.agent.hidden = true;
  }
}
