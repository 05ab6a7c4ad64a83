// The player's status, as others see it by their name and as the server
// uses it for conversations (docs/protocol.md, "Talking"): chosen by the
// player (online, busy: asked first, do not disturb: never), remembered
// across visits, and "away" while the page is hidden.
//
// Only "online" turns into "away": a busy or do-not-disturb player who
// switches tabs must not become someone anyone can walk up and talk to.

export const STATUS_KEY = "ark.status";
export const CHOICES = ["online", "busy", "dnd"];

export class StatusPicker {
  // send(message): onto the WebSocket, false when not connected; storage:
  // localStorage; hidden: whether the page is hidden now; onChange():
  // what the picker shows changed.
  constructor({ send, storage, hidden = false, onChange = () => {} }) {
    this.send = send;
    this.storage = storage;
    this.hidden = hidden;
    this.onChange = onChange;
    const remembered = storage.getItem(STATUS_KEY);
    this.chosen = CHOICES.includes(remembered) ? remembered : "online";
    // What the server has for us, as far as we know (null: no welcome yet).
    this.told = null;
  }

  // What others should see now.
  get effective() {
    return this.hidden && this.chosen === "online" ? "away" : this.chosen;
  }

  choose(status) {
    if (!CHOICES.includes(status)) return;
    this.chosen = status;
    this.storage.setItem(STATUS_KEY, status);
    this.sync();
    this.onChange();
  }

  // The page was hidden or shown (document.hidden).
  visibilityChanged(hidden) {
    this.hidden = hidden;
    this.sync();
  }

  // Every welcome: a new connection starts "online" on the server, a
  // resumed avatar keeps what it had; either way it should be ours.
  welcomed(welcome) {
    this.told = welcome.me?.[10] ?? "online";
    this.sync();
  }

  sync() {
    if (this.told === null || this.told === this.effective) return;
    const status = this.effective;
    // Not connected: the next welcome tells again.
    if (this.send({ t: "status", status })) this.told = status;
  }
}
