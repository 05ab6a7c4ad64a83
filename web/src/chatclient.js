// Keeps the chat state (chat.js) in step with the server: the sessions
// and their history from the HTTP API (docs/api.md), `say` (or `ask`, in
// a conversation with an agent) out and `said`/`chat` in over the
// WebSocket, and read marks back. No DOM: the panel (chatpanel.js)
// listens to onChange and draws. What only conversations with agents
// have (`talking`, `asked`, `reply`) is agentchat.js's.
//
// api(url, options) is an authorized JSON request (auth.authorizedJSON);
// send(message) puts a message on the WebSocket and says whether it went.

import { NEARBY, PAGE_SIZE, sessionKey } from "./chat.js";

export class ChatClient {
  constructor({ state, api, send, onChange = () => {} }) {
    this.state = state;
    this.api = api;
    this.send = send;
    this.onChange = onChange;
    this.loadingSessions = null;
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
  // to send.
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

  connectionLost() {
    this.state.connectionLost();
    this.changed();
  }

  // Back after a drop: what was said meanwhile is in the history.
  async reconnected() {
    await this.loadSessions();
    for (const tab of this.state.tabs.values()) {
      if (tab.session !== null && tab.loaded) this.loadNewest(tab.key);
    }
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
    if (tab !== null && tab.key !== NEARBY && tab.session !== null && !tab.loaded && !tab.loading) {
      this._loadPage(tab.key, null);
      return;
    }
    this.onChange();
  }
}
