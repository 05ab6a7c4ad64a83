// What the page shows over the game about the player's situation: the
// loading screen and its bar (or why a map could not be loaded, with a
// button to try again), the connection's banner (reconnecting, a
// join the server refused, disconnected), the place the player stands in
// (a zone's name), what the action button would do there (talk to the
// agent standing by the player, when one does), and short-lived
// notices of what the server reported going wrong (docs/protocol.md,
// "error"), a repeated one counted rather than shown again and again.
//
// The elements and timers are passed in, so the tests use plain objects.

import { ZonePanel } from "./zones.js";

// How long a notice stays after it was last reported.
export const NOTICE_MS = 6000;

// The page's elements, by their ids in index.html.
export const HUD_ELEMENT_IDS = {
  loading: "loading",
  loadingFill: "loading-fill",
  loadingText: "loading-text",
  status: "status",
  statusText: "status-text",
  statusButton: "status-rejoin",
  place: "place",
  action: "action",
  notice: "hud-notice",
};

export function hudElements(page) {
  return Object.fromEntries(Object.entries(HUD_ELEMENT_IDS).map(([name, id]) => [name, page.getElementById(id)]));
}

export class Hud {
  // elements: as hudElements finds them; timers: setTimeout and
  // clearTimeout (the window); touchQuery: a MediaQueryList matching
  // touch screens (the button then says no "E:"); openZones(): the zones
  // whose action is under way (effects.js's openZones); onRejoin(): the
  // banner's button after a disconnection; onRetry(code): its button
  // after a refused join.
  constructor({ elements, timers, touchQuery, openZones = () => new Set(), onRejoin, onRetry }) {
    this.elements = elements;
    this.timers = timers;
    this.touchQuery = touchQuery;
    this.openZones = openZones;
    this.onRejoin = onRejoin;
    this.onRetry = onRetry;
    this.zonePanel = new ZonePanel();
    // The name of the agent the interact key would talk to, or null.
    this.nearAgent = null;
    // Whether the loading screen and banner say a map failed to load.
    this.mapProblem = false;
    // The notice shown: { key, text, count }, or null; and its timer.
    this.shown = null;
    this.noticeTimer = null;
    // A tablet may gain or lose its keyboard.
    touchQuery.addEventListener?.("change", () => this.renderZones());
  }

  loadProgress(share) {
    this.elements.loadingFill.style.width = `${Math.round(share * 100)}%`;
  }

  // The world is drawn: the loading screen goes, and what a failed map
  // load put up with it.
  loaded() {
    this.elements.loading.hidden = true;
    if (this.mapProblem) this.clearMapProblem();
  }

  // A map could not be loaded: there is no world to play in, so the
  // loading screen comes back and says why, and the banner offers to try
  // again (retry()).
  mapFailed(message, retry) {
    const { loading, loadingText, status: banner, statusText: text, statusButton: button } = this.elements;
    this.mapProblem = true;
    loading.hidden = false;
    loadingText.textContent = message;
    banner.hidden = false;
    text.textContent = "The map could not be loaded.";
    button.textContent = "Try again";
    button.hidden = false;
    button.onclick = () => {
      this.clearMapProblem();
      this.loadProgress(0);
      retry();
    };
  }

  clearMapProblem() {
    this.mapProblem = false;
    this.elements.loadingText.textContent = "Loading…";
    this.elements.status.hidden = true;
    this.elements.statusButton.hidden = true;
  }

  // A status from connection.js (signed_out is the page's to handle).
  connection(status) {
    const { status: banner, statusText: text, statusButton: button } = this.elements;
    // The banner is the connection's now; the loading screen still says
    // why the map is missing until a map loads.
    this.mapProblem = false;
    button.hidden = true;
    if (status.state === "connected") {
      banner.hidden = true;
      return;
    }
    banner.hidden = false;
    if (status.state === "reconnecting") {
      text.textContent = `Reconnecting… (attempt ${status.attempt})`;
    } else if (status.state === "refused") {
      // The server will not have us, and says why: in the banner, and
      // where the loading screen would otherwise wait forever.
      text.textContent = `Could not join: ${status.reason}`;
      this.elements.loadingText.textContent = `Could not join: ${status.reason}`;
      button.textContent = "Try again";
      button.hidden = false;
      button.onclick = () => this.onRetry(status.code);
    } else if (status.state === "closed" && status.code === 4003) {
      text.textContent = "You joined from another tab.";
    } else {
      text.textContent = status.reason ? `Disconnected: ${status.reason}` : "Disconnected.";
      button.textContent = "Rejoin";
      button.hidden = false;
      button.onclick = () => this.onRejoin();
    }
  }

  // A welcome's or patch's zones: the place and the action button.
  showZones(zones) {
    this.zonePanel.report(zones);
    this.renderZones();
  }

  // The names (as in Tiled) of the zones the player stands in.
  get zoneNames() {
    return this.zonePanel.zones.map((zone) => zone.name);
  }

  // The agent the interact key and the action button would talk to now
  // (its name), or null: then they act in the zones as before.
  agentNear(name) {
    if (name === this.nearAgent) return;
    this.nearAgent = name;
    this.renderZones();
  }

  renderZones() {
    const { place, action } = this.elements;
    const panel = this.zonePanel;
    place.textContent = panel.place ?? "";
    place.hidden = panel.place === null;
    const touch = this.touchQuery.matches;
    const label = this.nearAgent !== null ? `${touch ? "" : "E: "}Talk to ${this.nearAgent}`
      : panel.buttonLabel(touch, this.openZones());
    action.textContent = label ?? "";
    action.hidden = label === null;
  }

  // Tell the player something went wrong (key: what kind of thing, e.g.
  // the error's code). The same kind again while it shows is counted
  // ("… (3×)") and keeps it up longer; another kind replaces it.
  notice(key, text) {
    if (this.shown !== null && this.shown.key === key) {
      this.shown.count++;
      this.shown.text = text;
    } else {
      this.shown = { key, text, count: 1 };
    }
    const { notice } = this.elements;
    notice.textContent = this.shown.count > 1 ? `${this.shown.text} (${this.shown.count}×)` : this.shown.text;
    notice.hidden = false;
    if (this.noticeTimer !== null) this.timers.clearTimeout(this.noticeTimer);
    this.noticeTimer = this.timers.setTimeout(() => this.clearNotice(), NOTICE_MS);
  }

  clearNotice() {
    if (this.noticeTimer !== null) this.timers.clearTimeout(this.noticeTimer);
    this.noticeTimer = null;
    this.shown = null;
    this.elements.notice.hidden = true;
    this.elements.notice.textContent = "";
  }
}
