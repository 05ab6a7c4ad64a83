// The chat panel on the page: tabs with unread badges, the messages of
// the tab shown (paging back as the player scrolls up), and the line to
// type in. In a conversation with an agent (agentchat.js), a heading
// names it ("Scout — the guide"), says whether it is open (with a button
// to end it), and the answer on its way shows as the agent typing, then
// its words as they come. On a desktop it is a collapsible column on the
// right; on a phone a button opens it as a sheet over the bottom of the
// game.
//
// Every text from the server goes into the page as text (textContent),
// never as markup: a message "<img onerror=…>" shows those characters.

import { ANYONE, NEARBY } from "./chat.js";
import { isTextField } from "./typing.js";

const OPEN_KEY = "ark.chatOpen";
// Scrolled this close (CSS px) to an end counts as at it.
const EDGE_PX = 48;
const PLACEHOLDERS = {
  nearby: "Say something to those near you…",
  zone: "Say something to everyone here…",
  direct: "Write a message…",
  system: "Messages from ark cannot be answered",
  [ANYONE]: "Ask a question: the agent who knows best answers…",
};

function timeOf(at) {
  if (!Number.isFinite(at)) return "";
  return new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class ChatPanel {
  // phoneQuery: a MediaQueryList that matches where the panel is a sheet;
  // onCover(pixels): how much of the bottom of the game the sheet hides;
  // agents: agentchat.js's AgentChat, or null.
  constructor({ state, client, user, storage, phoneQuery, onSignOut, onCover = () => {}, agents = null }) {
    this.onCover = onCover;
    this.state = state;
    this.client = client;
    this.agents = agents;
    this.storage = storage;
    this.phoneQuery = phoneQuery;
    this.root = document.getElementById("chat");
    this.toggle = document.getElementById("chat-toggle");
    this.toggleBadge = this.toggle.querySelector(".badge");
    this.tabList = document.getElementById("chat-tabs");
    this.notice = document.getElementById("chat-notice");
    this.agentBar = document.getElementById("chat-agent");
    this.agentTitle = document.getElementById("chat-agent-title");
    this.agentState = document.getElementById("chat-agent-state");
    this.agentEnd = document.getElementById("chat-agent-end");
    this.list = document.getElementById("chat-messages");
    this.form = document.getElementById("chat-form");
    this.input = document.getElementById("chat-input");
    // Message nodes by entry key, reused from one drawing to the next so
    // the scroll position can be kept around the one in view.
    this.nodes = new Map();
    this.shownKey = null;

    const who = document.getElementById("chat-user");
    who.textContent = user.guest === false && user.username ? `${user.name} (@${user.username})` : user.name;
    document.getElementById("chat-signout").addEventListener("click", onSignOut);
    document.getElementById("chat-close").addEventListener("click", () => this.setOpen(false));
    this.toggle.addEventListener("click", () => this.setOpen(true));
    this.agentEnd.addEventListener("click", () => {
      const header = this.agents?.header(this.state.selected);
      if (header) this.agents.untalk(header.agent);
    });
    this.tabList.addEventListener("click", (event) => {
      const tab = event.target.closest("[data-key]");
      if (tab) this.client.select(tab.dataset.key);
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.client.say(this.input.value)) {
        this.input.value = "";
        this.list.scrollTop = this.list.scrollHeight;
      }
      // Sent with the button: the next message goes in the same line.
      if (document.activeElement !== this.input) this.input.focus();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      this.input.blur();
      if (this.phoneQuery.matches) this.setOpen(false);
    });
    this.list.addEventListener("click", (event) => {
      const dismiss = event.target.closest("[data-dismiss]");
      if (dismiss) this.client.dismiss(this.state.selected, Number(dismiss.dataset.dismiss));
    });
    this.list.addEventListener("scroll", () => this.scrolled());
    document.addEventListener("visibilitychange", () => this.updateViewing());
    // Touching the game gives the keyboard back to it (Phaser cancels the
    // pointer's default, which would otherwise move focus off the input).
    document.getElementById("game").addEventListener("pointerdown", () => {
      if (isTextField(document.activeElement)) document.activeElement.blur();
    }, true);

    const remembered = storage.getItem(OPEN_KEY);
    this.setOpen(phoneQuery.matches ? false : remembered !== "false");
  }

  get isOpen() {
    return !this.root.hidden;
  }

  setOpen(open) {
    this.root.hidden = !open;
    this.toggle.hidden = open;
    const wasOpen = document.body.classList.contains("chat-open");
    document.body.classList.toggle("chat-open", open);
    // The game's area changes with the column: let Phaser resize now
    // rather than at its next poll.
    if (wasOpen !== open) window.dispatchEvent(new Event("resize"));
    if (!this.phoneQuery.matches) this.storage.setItem(OPEN_KEY, String(open));
    if (!open && this.root.contains(document.activeElement)) document.activeElement.blur();
    this.render();
    if (open) this.list.scrollTop = this.list.scrollHeight;
    this.onCover(open && this.phoneQuery.matches ? this.root.getBoundingClientRect().height : 0);
    this.updateViewing();
  }

  // Open the panel on a direct chat with this user, ready to type.
  openDirect(user) {
    this.client.openDirect(user);
    this.setOpen(true);
    this.input.focus();
  }

  // Open the panel on the tab selected (a conversation with an agent
  // just opened); focus: ready to type.
  reveal(focus = false) {
    this.setOpen(true);
    if (focus) this.input.focus();
  }

  atBottom() {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < EDGE_PX;
  }

  scrolled() {
    if (this.list.scrollTop < EDGE_PX) this.client.loadOlder(this.state.selected);
    this.updateViewing();
  }

  // Tell the chat which tab the player sees down to its newest message.
  updateViewing() {
    const tab = this.state.tab(this.state.selected);
    const seen = this.isOpen && document.visibilityState === "visible" && tab !== null && tab.loaded &&
      this.atBottom();
    this.client.view(seen ? tab.key : null);
  }

  render() {
    const state = this.state;
    const total = state.totalUnread;
    this.toggleBadge.textContent = total > 99 ? "99+" : String(total);
    this.toggleBadge.hidden = total === 0;
    this.notice.textContent = state.notice ?? "";
    this.notice.hidden = state.notice === null;
    this.renderTabs();
    const tab = state.tab(state.selected);
    const kind = tab?.kind ?? "nearby";
    const header = this.agents?.header(state.selected) ?? null;
    this.renderAgent(header);
    this.input.disabled = !state.canSend(state.selected);
    this.input.placeholder = header !== null ? `Ask ${tab.title} something…`
      : PLACEHOLDERS[kind] ?? PLACEHOLDERS.nearby;
    if (this.isOpen) this.renderMessages(tab);
    this.updateViewing();
  }

  // The heading of a conversation with an agent (agentchat.js's header),
  // or none.
  renderAgent(header) {
    this.agentBar.hidden = header === null;
    if (header === null) return;
    this.agentTitle.textContent = header.title;
    this.agentState.textContent = header.open ? "Talking" : "Not talking: you can still ask from afar";
    this.agentEnd.hidden = !header.open;
  }

  renderTabs() {
    const buttons = this.state.orderedTabs().map((tab) => {
      const button = element("button", "chat-tab");
      button.type = "button";
      button.dataset.key = tab.key;
      button.setAttribute("role", "tab");
      const selected = tab.key === this.state.selected;
      button.setAttribute("aria-selected", String(selected));
      button.append(element("span", "title", tab.title));
      if (tab.unread > 0 && !selected) button.append(element("span", "badge", String(tab.unread)));
      return button;
    });
    this.tabList.replaceChildren(...buttons);
    // A newly selected tab is scrolled into the tab row (by hand:
    // scrollIntoView may scroll the page itself too).
    if (this.tabShown === this.state.selected) return;
    this.tabShown = this.state.selected;
    const chosen = this.tabList.querySelector("[aria-selected=true]");
    if (chosen === null) return;
    const row = this.tabList;
    if (chosen.offsetLeft < row.scrollLeft) row.scrollLeft = chosen.offsetLeft;
    else if (chosen.offsetLeft + chosen.offsetWidth > row.scrollLeft + row.clientWidth) {
      row.scrollLeft = chosen.offsetLeft + chosen.offsetWidth - row.clientWidth;
    }
  }

  renderMessages(tab) {
    const list = this.list;
    const switched = this.shownKey !== this.state.selected;
    const stick = switched || this.atBottom();
    // Keep the first message in view where it is, so a page of older
    // messages arriving above does not move what the player reads.
    let anchor = null;
    let anchorOffset = 0;
    if (!stick) {
      for (const node of list.children) {
        if (node.offsetTop + node.offsetHeight > list.scrollTop) {
          anchor = node;
          anchorOffset = node.offsetTop - list.scrollTop;
          break;
        }
      }
    }
    if (switched) this.nodes.clear();
    this.shownKey = this.state.selected;

    const children = [];
    if (tab !== null && tab.loading) children.push(element("li", "hint", "Loading…"));
    else if (tab !== null && tab.loaded && !tab.more && tab.session !== null && tab.messages.size > 0) {
      children.push(element("li", "hint", "The beginning of this chat."));
    }
    if (tab?.key === NEARBY) {
      children.push(element("li", "hint", "Messages here go to everyone standing near you."));
    }
    const entries = this.agents?.entries(this.state.selected) ?? this.state.entries(this.state.selected);
    const used = new Map();
    for (const entry of entries) {
      const node = this.messageNode(entry);
      used.set(entry.key, node);
      children.push(node);
    }
    this.nodes = used;
    list.replaceChildren(...children);

    if (stick) list.scrollTop = list.scrollHeight;
    else if (anchor !== null && anchor.isConnected) list.scrollTop = anchor.offsetTop - anchorOffset;
    // Too few messages to scroll: nothing would ever ask for older ones.
    if (tab !== null && tab.more && !tab.loading && list.scrollHeight <= list.clientHeight + EDGE_PX) {
      this.client.loadOlder(tab.key);
    }
  }

  messageNode(entry) {
    const signature = `${entry.text}\u0000${entry.pending}\u0000${entry.error}\u0000${entry.at}\u0000${entry.typing}`;
    const existing = this.nodes.get(entry.key);
    if (existing !== undefined && existing.dataset.signature === signature) return existing;
    if (entry.note) {
      const note = element("li", "note", entry.text);
      note.dataset.signature = signature;
      return note;
    }
    if (entry.streaming) return this.answerNode(entry, signature);
    const node = element("li", "message");
    node.dataset.signature = signature;
    node.classList.toggle("own", entry.own);
    node.classList.toggle("agent", typeof entry.from?.agent === "string");
    node.classList.toggle("pending", entry.pending);
    node.classList.toggle("failed", entry.error !== null);
    const meta = element("div", "meta");
    const sender = entry.own ? "You" : entry.from === null ? "ark" : entry.from.name;
    meta.append(element("span", "from", sender));
    meta.append(element("span", "at", entry.pending ? "sending…" : timeOf(entry.at)));
    node.append(meta, element("p", "text", entry.text));
    if (entry.error !== null) {
      const problem = element("div", "error");
      problem.append(element("span", "", entry.error));
      const dismiss = element("button", "dismiss", "×");
      dismiss.type = "button";
      dismiss.dataset.dismiss = String(entry.ref);
      dismiss.setAttribute("aria-label", "Dismiss");
      problem.append(dismiss);
      node.append(problem);
    }
    return node;
  }

  // An agent's answer on its way: the agent typing, then its words so far.
  answerNode(entry, signature) {
    const node = element("li", "message agent pending streaming");
    node.dataset.signature = signature;
    const meta = element("div", "meta");
    meta.append(element("span", "from", entry.from.name));
    meta.append(element("span", "at", entry.typing ? "is typing…" : "answering…"));
    const text = entry.typing ? element("p", "text typing", "•••") : element("p", "text", entry.text);
    if (entry.typing) text.setAttribute("aria-label", `${entry.from.name} is typing`);
    node.append(meta, text);
    return node;
  }
}
