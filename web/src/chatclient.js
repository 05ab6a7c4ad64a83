// Keeps the chat state (chat.js) in step with the server: the sessions
// and their history from the HTTP API (docs/api.md), `say` (or `ask`, in
// a conversation with an agent) out and `said`/`chat` in over the
// WebSocket, and read marks back. No DOM: the panel (chatpanel.js)
// listens to onChange and draws. What only conversations with agents
// have (`talking`, `asked`, `reply`) is agentchat.js's.
//
// What was said is not lost while the server's store is down, nor while
// the connection is: a `say` the store could not take (`store_failed`) is
// sent again after 1, 2, 4, 8, 16, then every 30 seconds, and everything
// not yet stored is sent again as soon as the connection is (back), each
// with its own cid (docs/protocol.md, "Chat", "Sending again").
//
// api(url, options) is an authorized JSON request (auth.authorizedJSON);
// send(message) puts a message on the WebSocket and says whether it went;
// timers: setTimeout and clearTimeout (the page's window; tests pass
// their own).

import { NEARBY, PAGE_SIZE, sessionKey } from "./chat.js";

// How long a message the store could not take waits before it is sent
// again: these after its first failures, then RESEND_EVERY_SECONDS.
export const RESEND_SECONDS = [1, 2, 4, 8, 16];
export const RESEND_EVERY_SECONDS = 30;

export function resendDelaySeconds(failures) {
  return RESEND_SECONDS[failures - 1] ?? RESEND_EVERY_SECONDS;
}

export class ChatClient {
  constructor({ state, api, send, onChange = () => {}, timers = globalThis }) {
    this.state = state;
    this.api = api;
    this.send = send;
    this.onChange = onChange;
    this.timers = timers;
    this.loadingSessions = null;
    // Messages waiting to be sent again after a store_failed: cid -> timer.
    this.resendTimers = new Map();
  }

  // The sessions the player is in, with their unread counts: on start,
  // after a reconnect, and when a message names a session not yet known.
  // Calls made while one is under way share it.
  loadSessions() {
    if (this.loadingSessions === null) {
      this.loadingSessions = this._loadSessions().finally(() => { this.loadingSessions = null; });
    }
    return this.loadingSessions;
  }

  select(key) {
    this.state.select(key);
    const tab = this.state.tab(key);
    if (tab !== null) tab.loadFailed = false;
    this.changed();
  }

  openDirect(user) {
    this.state.openDirect(user);
    this.changed();
  }

  // The conversation with an agent that `talking` opened ({session,
  // agent, name}), in view; returns its tab's key.
  openAgentSession(conversation) {
    const key = this.state.openAgentSession(conversation);
    this.changed();
    return key;
  }

  // The newest page of a tab's history (again, after a reconnect).
  loadNewest(key) {
    return this._loadPage(key, null);
  }

  // The page before the oldest one loaded, when the player scrolls up.
  loadOlder(key) {
    const tab = this.state.tab(key);
    if (tab === null || !tab.loaded || !tab.more || tab.oldestLoaded === null) return Promise.resolve();
    return this._loadPage(key, tab.oldestLoaded);
  }

  // Send what was typed in the selected tab; false when there was nothing
  // to send. Not connected, a `say` waits for the connection (a question
  // fails at once).
  say(text) {
    const message = this.state.compose(this.state.selected, text);
    if (message === null) return false;
    if (!this.send(message)) this.state.sendFailed(message.ref, "Not sent: not connected to the world.");
    this.changed();
    return true;
  }

  dismiss(key, ref) {
    this.state.dismiss(key, ref);
    this.changed();
  }

  // A message from the WebSocket; anything but `said` and `chat` is not ours.
  handle(message) {
    if (message.t === "said") {
      const result = this.state.said(message);
      if (result === null) return;
      if (result.resend !== undefined) this._resendLater(result.resend);
      if (!result.known) this.loadSessions();
      this.changed();
    } else if (message.t === "chat") {
      const result = this.state.receive(message);
      if (result.read !== null) this._markRead(result.read);
      if (!result.known) this.loadSessions();
      this.changed();
    }
  }

  // The panel says which tab the player sees to its newest message (null:
  // none, e.g. the panel is closed or scrolled up).
  view(key) {
    for (const mark of this.state.view(key)) this._markRead(mark);
  }

  // The connection dropped: what was on its way waits for it (nothing is
  // sent again meanwhile).
  connectionLost() {
    this._cancelResends();
    this.state.connectionLost();
    this.changed();
  }

  // Connected (the first time, or back): every message not yet stored
  // goes again, now.
  connected() {
    this._cancelResends();
    for (const cid of this.state.unsaid()) this._resend(cid);
  }

  // Back after a drop: what waited goes again, and what was said
  // meanwhile is in the history.
  async reconnected() {
    this.connected();
    await this.loadSessions();
    for (const tab of this.state.tabs.values()) {
      tab.loadFailed = false;
      if (tab.session !== null && tab.loaded) this.loadNewest(tab.key);
    }
    this.changed();
  }

  // Send a message again once the store has had time to recover.
  _resendLater({ cid, failures }) {
    this.timers.clearTimeout(this.resendTimers.get(cid));
    this.resendTimers.set(cid, this.timers.setTimeout(() => {
      this.resendTimers.delete(cid);
      this._resend(cid);
    }, resendDelaySeconds(failures) * 1000));
  }

  _resend(cid) {
    const message = this.state.resend(cid);
    // Not connected: it waits for the connection (no reason shown).
    if (message !== null && !this.send(message)) this.state.sendFailed(message.ref, null);
  }

  _cancelResends() {
    for (const timer of this.resendTimers.values()) this.timers.clearTimeout(timer);
    this.resendTimers.clear();
  }

  async _loadSessions() {
    try {
      const answer = await this.api("/api/chat/sessions");
      if (!Array.isArray(answer.sessions)) throw new Error("The server's list of chats could not be read.");
      this.state.setSessions(answer.sessions);
      this.state.notice = null;
    } catch (error) {
      this.state.notice = `Could not load your chats: ${error.message}`;
    }
    this.changed();
  }

  async _loadPage(key, before) {
    const tab = this.state.tab(key);
    if (tab === null || tab.session === null || tab.loading) return;
    // The tab may be renamed while the page is on its way (a draft that
    // became a session); its session id stays.
    const session = tab.session;
    tab.loading = true;
    this.changed();
    const query = before === null ? `limit=${PAGE_SIZE}` : `before=${before}&limit=${PAGE_SIZE}`;
    try {
      const page = await this.api(`/api/chat/sessions/${session}/messages?${query}`);
      if (!Array.isArray(page.messages)) throw new Error("The server's messages could not be read.");
      this.state.addPage(sessionKey(session), page);
      this.state.notice = null;
    } catch (error) {
      this.state.notice = `Could not load messages: ${error.message}`;
      // Not asked again at once (changed() would, in a loop): choosing the
      // tab again, or a reconnection, tries again.
      const current = this.state.tabForSession(session);
      if (current !== null) current.loadFailed = true;
    } finally {
      const current = this.state.tabForSession(session);
      if (current !== null) current.loading = false;
    }
    this.changed();
  }

  async _markRead({ session, upTo }) {
    try {
      const answer = await this.api(`/api/chat/sessions/${session}/read`, { method: "POST", body: { upTo } });
      this.state.readAnswered(session, answer.unread, upTo);
      this.changed();
    } catch (error) {
      // Only the unread count is at stake; the next read mark covers it.
    }
  }

  // After every change (this page's or agentchat.js's): the tab in view
  // has its history, and the panel draws.
  changed() {
    const tab = this.state.tab(this.state.selected);
    if (tab !== null && tab.key !== NEARBY && tab.session !== null && !tab.loaded && !tab.loading && !tab.loadFailed) {
      this._loadPage(tab.key, null);
      return;
    }
    this.onChange();
  }
}
