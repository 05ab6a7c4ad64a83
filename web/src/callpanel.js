// The meeting panel: the Jitsi call of the room the player stands in, in
// a column on the right of a desktop (as wide as the map asks, with
// jitsiWidth) or over the bottom half of a phone (style.css), with the
// room's name and, unless the map says otherwise, a button to hang up.
// The call itself is Jitsi's iframe, made by the deployment's own script.

import { jitsiHost, jitsiOptions, loadOnce, scriptUrl } from "./jitsi.js";

function addScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => {
      script.remove();
      reject(new Error(`${url} could not be loaded`));
    };
    document.head.append(script);
  });
}

// Shared by every panel: a deployment's script defines its API globally.
const loadScript = loadOnce(addScript);

export class CallPanel {
  // nameOf(): the player's name, for the others in the call; phoneQuery:
  // a MediaQueryList matching where the panel is a bottom sheet;
  // onHangUp(): the player hung up (the button, or Jitsi's own);
  // onCover(pixels): how much of the bottom of the game the panel hides.
  constructor({ nameOf, phoneQuery, onHangUp, onCover }) {
    this.nameOf = nameOf;
    this.phoneQuery = phoneQuery;
    this.onHangUp = onHangUp;
    this.onCover = onCover;
    this.root = document.getElementById("call");
    this.title = document.getElementById("call-title");
    this.notice = document.getElementById("call-notice");
    this.frame = document.getElementById("call-frame");
    this.hangUpButton = document.getElementById("call-hangup");
    this.api = null;
    // Which opening a script that finishes loading belongs to: one that
    // was closed (or replaced) meanwhile must not start a call.
    this.opening = 0;
    this.hangUpButton.addEventListener("click", () => this.onHangUp());
    phoneQuery.addEventListener("change", () => this.reportCover());
  }

  // call: what effects.js keeps of a `jitsi.open` ({room, title, domain,
  // width, closable, ...}).
  open(call) {
    this.close();
    const opening = this.opening;
    this.title.textContent = call.title ?? call.room;
    this.hangUpButton.hidden = call.closable === false;
    const style = document.documentElement.style;
    if (call.width == null) style.removeProperty("--call-width");
    else style.setProperty("--call-width", `${call.width}vw`);
    this.setNotice(null);
    this.show(true);
    const host = jitsiHost(call.domain);
    if (host === null) {
      this.setNotice(`This meeting cannot start: "${call.domain}" is not a Jitsi server's address.`);
      return;
    }
    this.setNotice(`Connecting to ${host}…`);
    loadScript(scriptUrl(host)).then(() => {
      if (opening !== this.opening) return;
      const JitsiApi = window.JitsiMeetExternalAPI;
      if (typeof JitsiApi !== "function") throw new Error("no JitsiMeetExternalAPI");
      this.setNotice(null);
      this.api = new JitsiApi(host, jitsiOptions(call, { parentNode: this.frame, displayName: this.nameOf() }));
      // Hanging up inside Jitsi's own screen closes the panel too.
      if (typeof this.api.addListener === "function") {
        this.api.addListener("readyToClose", () => this.onHangUp());
      }
    }).catch(() => {
      if (opening !== this.opening) return;
      this.setNotice(`The meeting could not be loaded: ${host} did not answer. Try again later.`);
    });
  }

  close() {
    this.opening++;
    const api = this.api;
    this.api = null;
    if (api !== null) {
      // A broken call must still let the panel go.
      try {
        api.executeCommand("hangup");
      } catch { /* already gone */ }
      try {
        api.dispose();
      } catch { /* already gone */ }
    }
    this.frame.replaceChildren();
    this.show(false);
  }

  setNotice(text) {
    this.notice.textContent = text ?? "";
    this.notice.hidden = text === null;
  }

  show(open) {
    const wasOpen = !this.root.hidden;
    this.root.hidden = !open;
    document.body.classList.toggle("call-open", open);
    // The game's area changes with the column: let Phaser resize now.
    if (wasOpen !== open) window.dispatchEvent(new Event("resize"));
    this.reportCover();
  }

  reportCover() {
    const covering = !this.root.hidden && this.phoneQuery.matches;
    this.onCover(covering ? this.root.getBoundingClientRect().height : 0);
  }
}
