// The page's side of zone effects (effects.js decides, this shows): the
// prompt above the action button, the silent and private indicators, the
// meeting and website panels, a link offered to the player, new tabs,
// the camera's focus and the sounds. A zone's agent is the chat's: its
// conversation is opened and closed through the scene's hooks.

import { CallPanel } from "./callpanel.js";
import { SoundBoard, nextGesture } from "./sounds.js";
import { WebsitePanel } from "./websitepanel.js";

export class EffectView {
  // nameOf, phoneQuery: as CallPanel takes them; onCover(pixels): how
  // much of the bottom of the game the panels hide (the taller of the
  // meeting's and the website's); onHangUp and onCloseWebsite: the player
  // closed the call or the website's panel; onOpenAgent(agent) and
  // onCloseAgent(agent): a zone opens or closes the conversation with
  // an agent; camera: camera.js's CameraRig, for the focus of zones.
  constructor({ nameOf, phoneQuery, onCover, onHangUp, onOpenAgent = () => {}, onCloseAgent = () => {},
    onCloseWebsite = null, camera = null }) {
    this.prompt = document.getElementById("prompt");
    this.silenced = document.getElementById("silenced");
    this.private = document.getElementById("private");
    this.link = document.getElementById("link-offer");
    this.linkAnchor = document.getElementById("link-offer-anchor");
    this.camera = camera;
    this.onOpenAgent = onOpenAgent;
    this.onCloseAgent = onCloseAgent;
    // Both panels may cover the bottom of a phone's screen: the game
    // hears of the taller.
    const covers = { call: 0, website: 0 };
    const cover = (by) => (pixels) => {
      covers[by] = pixels;
      onCover(Math.max(covers.call, covers.website));
    };
    this.calls = new CallPanel({ nameOf, phoneQuery, onHangUp, onCover: cover("call") });
    this.website = new WebsitePanel({
      page: document, view: window, phoneQuery, onCover: cover("website"),
      // Until the scene says how, closing the panel at least closes it;
      // the zone opens it again on the next visit.
      onClose: () => (onCloseWebsite ? onCloseWebsite() : this.closeWebsite()),
    });
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
    this.onOpenAgent(agent);
  }

  closeAgent(agent) {
    this.onCloseAgent(agent);
  }

  openWebsite(site) {
    this.website.open(site);
  }

  closeWebsite() {
    this.website.close();
  }

  // area: {x, y, width, height, margin} of the zone to frame, or null to
  // follow the player again.
  focusCamera(area) {
    if (area === null) this.camera?.unfocus();
    else this.camera?.focus(area);
  }

  // link: {url, text}, or null to take the offer back. Text only: what
  // the server sent is never parsed as HTML.
  offerLink(link) {
    if (link === null) {
      this.link.hidden = true;
      this.linkAnchor.removeAttribute("href");
      this.linkAnchor.textContent = "";
      return;
    }
    this.linkAnchor.href = new URL(link.url, location.href).href;
    this.linkAnchor.textContent = link.text;
    this.link.hidden = false;
  }

  // Open `url` in a new tab; false when the browser refused (no click or
  // key press just before). The new tab is opened blank first so that it
  // can be cut off from this page (no window.opener) before it loads the
  // site: with "noopener", window.open would not say whether it opened.
  openTab(url) {
    let opened = null;
    try {
      opened = window.open("", "_blank");
    } catch {
      return false;
    }
    if (!opened) return false;
    try {
      opened.opener = null;
      opened.location.href = new URL(url, location.href).href;
    } catch {
      opened.close();
      return false;
    }
    return true;
  }
}
