// The chat panel in a conversation with an agent: opened on its session
// and ready to type, headed with the agent's name and role and whether it
// is open (ended by a button), the agent typing then its words as they
// come, ask anyone's reason, every text as text. A message the store
// could not take shows as still sending.
import { test } from "node:test";
import assert from "node:assert/strict";

import { AgentChat } from "../src/agentchat.js";
import { ANYONE, ChatState, NEARBY, sessionKey } from "../src/chat.js";
import { ChatClient } from "../src/chatclient.js";
import { ChatPanel } from "../src/chatpanel.js";
import { FakeElement } from "./fakes/page.js";

const ADA = { id: 1, name: "Ada", avatar: "fox", guest: true };

// What of an element the panel uses beyond the shared fake's.
class PanelElement extends FakeElement {
  constructor(tag, id) {
    super(tag, id);
    this.dataset = {};
    this.scrollTop = 0;
    this.scrollHeight = 0;
    this.clientHeight = 0;
    this.offsetTop = 0;
    this.offsetHeight = 0;
    this.disabled = false;
    this.placeholder = "";
    this.value = "";
  }
  querySelector(selector) {
    return selector === ".badge" ? (this.badge ??= new PanelElement("span")) : null;
  }
  contains(element) {
    return element === this || this.children.some((child) => child.contains?.(element));
  }
  focus() {
    globalThis.document.activeElement = this;
  }
  blur() {
    if (globalThis.document.activeElement === this) globalThis.document.activeElement = null;
  }
}

const IDS = [
  "chat", "chat-toggle", "chat-tabs", "chat-notice", "chat-agent", "chat-agent-title", "chat-agent-state",
  "chat-agent-end", "chat-messages", "chat-form", "chat-input", "chat-user", "chat-signout", "chat-close", "game",
];

function setup() {
  const elements = new Map(IDS.map((id) => [id, new PanelElement(id === "chat-input" ? "input" : "div", id)]));
  const classes = new Set();
  globalThis.document = {
    activeElement: null,
    visibilityState: "visible",
    body: { classList: { contains: (name) => classes.has(name), toggle: (name, on) => (on ? classes.add(name) : classes.delete(name)) } },
    getElementById: (id) => elements.get(id) ?? null,
    createElement: (tag) => new PanelElement(tag),
    addEventListener() {},
  };
  globalThis.window = { dispatchEvent() {} };
  const state = new ChatState(ADA);
  const sent = [];
  const send = (message) => { sent.push(message); return true; };
  const api = async (url) => (url.includes("/messages") ? { messages: [], more: false } : { sessions: [], unread: 0 });
  let panel = null;
  // Sending again is chatclient.test.js's: its timers never run here.
  const timers = { setTimeout: () => 0, clearTimeout() {} };
  const client = new ChatClient({ state, api, send, timers, onChange: () => panel?.render() });
  const agents = new AgentChat({ state, client, send, onOpened: (key, focus) => panel.reveal(focus) });
  const storage = { getItem: () => "false", setItem() {} };
  panel = new ChatPanel({
    state, client, user: ADA, storage, phoneQuery: { matches: false }, onSignOut() {}, agents,
  });
  const shown = () => elements.get("chat-messages").children;
  return { elements, state, client, agents, panel, sent, shown };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const talking = { t: "talking", agent: "scout", open: true, name: "Scout", role: "the guide", avatar: "explorer", session: 70 };

test("talking opens the panel on the agent's session, headed with name and role, ready to type", async () => {
  const { elements, state, agents, panel, sent } = setup();
  assert.equal(panel.isOpen, false);
  assert.equal(elements.get("chat-agent").hidden, true, "no heading outside a conversation");
  agents.talk("scout", { focus: true });
  agents.handle(talking);
  await settle();
  assert.equal(panel.isOpen, true);
  assert.equal(state.selected, sessionKey(70));
  assert.equal(globalThis.document.activeElement, elements.get("chat-input"));
  assert.equal(elements.get("chat-agent").hidden, false);
  assert.equal(elements.get("chat-agent-title").textContent, "Scout — the guide");
  assert.equal(elements.get("chat-agent-state").textContent, "Talking");
  assert.equal(elements.get("chat-agent-end").hidden, false);
  assert.equal(elements.get("chat-input").placeholder, "Ask Scout something…");
  assert.equal(elements.get("chat-input").disabled, false);
  const tab = elements.get("chat-tabs").children.find((button) => button.dataset.key === sessionKey(70));
  assert.equal(tab.text, "Scout");

  elements.get("chat-agent-end").click();
  assert.deepEqual(sent.at(-1), { t: "untalk", agent: "scout" });
  agents.handle({ t: "talking", agent: "scout", open: false });
  assert.match(elements.get("chat-agent-state").textContent, /ask from afar/);
  assert.equal(elements.get("chat-agent-end").hidden, true);
  assert.equal(elements.get("chat-input").disabled, false, "still usable");
});

test("the agent types, then its words come, then the stored answer; all of it as text", async () => {
  const { elements, client, agents, shown } = setup();
  agents.handle(talking);
  await settle();
  client.say("<b>where</b> is the cafe?");
  agents.handle({ t: "asked", ref: 1, agent: "scout", session: 70, id: 80, at: 1, text: "<b>where</b> is the cafe?" });
  const messages = () => shown().filter((node) => node.className.startsWith("message"));
  let [question, answer] = messages();
  assert.match(question.text, /<b>where<\/b> is the cafe\?/, "markup stays text");
  assert.equal(answer.className, "message agent pending streaming");
  assert.match(answer.text, /Scout\nis typing…\n•••/);
  agents.handle({ t: "reply", session: 70, agent: "scout", piece: "East, " });
  agents.handle({ t: "reply", session: 70, agent: "scout", piece: "<i>past</i> the fountain." });
  [, answer] = messages();
  assert.match(answer.text, /answering…\nEast, <i>past<\/i> the fountain\.$/);
  agents.handle({ t: "chat", session: 70, kind: "agent", id: 81, at: 2, text: "East, past the fountain.",
    from: { agent: "scout", name: "Scout", avatar: "explorer" } });
  [, answer] = messages();
  assert.equal(answer.className, "message");
  assert.equal(answer.classList.contains("agent"), true);
  assert.match(answer.text, /^Scout\n.*\nEast, past the fountain\.$/s);
  assert.equal(elements.get("chat-agent").hidden, false);
});

test("ask anyone: the panel follows the question to the agent's session and says why", async () => {
  const { elements, client, state, agents, panel, shown } = setup();
  panel.setOpen(true);
  client.select(ANYONE);
  assert.equal(elements.get("chat-input").placeholder, "Ask a question: the agent who knows best answers…");
  assert.equal(elements.get("chat-agent").hidden, true);
  client.say("where can I get coffee?");
  agents.handle({ t: "asked", ref: 1, agent: "scout", reason: "Scout knows every street", session: 73, id: 95, at: 1,
    text: "where can I get coffee?" });
  await settle();
  assert.equal(state.selected, sessionKey(73));
  const note = shown().find((node) => node.className === "note");
  assert.equal(note.textContent, "Ask anyone: Scout answers");
  assert.equal(elements.get("chat-agent-title").textContent, "Scout");
  assert.match(elements.get("chat-agent-state").textContent, /ask from afar/, "no conversation open with it");
});

test("a message the store could not take still shows as sending, not as refused", () => {
  const { client, panel, sent, shown } = setup();
  panel.setOpen(true);
  client.select(NEARBY);
  client.say("hello");
  const message = () => shown().find((node) => node.className.startsWith("message"));
  const before = message();
  client.handle({ t: "said", ref: sent[0].ref, error: "store_failed", message: "the message could not be stored" });
  const after = message();
  assert.equal(after, before, "the same line, unchanged");
  assert.equal(after.classList.contains("pending"), true);
  assert.equal(after.classList.contains("failed"), false);
  assert.match(after.text, /^You\nsending…\nhello$/);
  client.connectionLost();
  assert.match(message().text, /sending…/, "a lost connection does not fail it either");
  assert.equal(message().classList.contains("failed"), false);
});
