// The chat panel's state: tabs and their titles, unread counts, history
// pages merged without duplicates, messages waiting for `said` (and
// sent again, with their own id, until one comes).
import { test } from "node:test";
import assert from "node:assert/strict";

import { ANYONE, ChatState, NEARBY, draftKey, randomCid, sessionKey, sessionTitle } from "../src/chat.js";

const ADA = { id: 1, name: "Ada", avatar: "fox" };
const BOB = { id: 2, name: "Bob", avatar: "owl" };
const CY = { id: 3, name: "Cy", avatar: "frog" };

const message = (id, session, from, text = `m${id}`) => ({ id, session, from, text, at: 1000 * id });
const session = (fields) => ({ title: "", participants: [], unread: 0, lastMessage: null, ...fields });

const ids = (state, key) => state.entries(key).map((entry) => entry.id);

// Messages' own ids, predictable: c0000001, c0000002, …
function counter() {
  let n = 0;
  return () => `c${String(++n).padStart(7, "0")}`;
}
const newState = (self = ADA) => new ChatState(self, { newCid: counter() });
const titles = (state) => state.orderedTabs().map((tab) => tab.title);

test("tabs are named after their zone, the other person, the people near, or ark", () => {
  assert.equal(sessionTitle("zone", "meeting-room-1", [ADA, BOB], ADA.id), "Meeting room 1");
  assert.equal(sessionTitle("direct", "", [ADA, BOB], ADA.id), "Bob");
  assert.equal(sessionTitle("nearby", "", [BOB, ADA, CY], ADA.id), "Nearby: Bob, Cy");
  assert.equal(sessionTitle("system", "", [ADA], ADA.id), "ark");
  assert.equal(sessionTitle("zone", "", [], ADA.id), "Zone");
});

test("the sessions list makes tabs, Nearby and Ask anyone always first, then the latest activity", () => {
  const state = new ChatState(ADA);
  assert.deepEqual(titles(state), ["Nearby", "Ask anyone"]);
  state.setSessions([
    session({ id: 10, kind: "direct", participants: [ADA, BOB], unread: 2, lastMessage: message(50, 10, BOB) }),
    session({ id: 11, kind: "zone", title: "library", participants: [ADA, CY], lastMessage: message(40, 11, CY) }),
    session({ id: 12, kind: "nearby", participants: [ADA, BOB, CY], lastMessage: message(60, 12, ADA) }),
    session({ id: 13, kind: "system", participants: [ADA], unread: 1, lastMessage: message(30, 13, null) }),
  ]);
  assert.deepEqual(titles(state), ["Nearby", "Ask anyone", "Nearby: Bob, Cy", "Bob", "Library", "ark"]);
  assert.equal(state.tab(sessionKey(10)).to, BOB.id);
  assert.equal(state.totalUnread, 3);
  assert.equal(state.canSend(sessionKey(13)), false);
  assert.equal(state.canSend(sessionKey(10)), true);
});

test("a live message for a tab out of view counts as unread; in view, it is marked read at once", () => {
  const state = new ChatState(ADA);
  state.setSessions([session({ id: 10, kind: "direct", participants: [ADA, BOB] })]);
  const unseen = state.receive({ t: "chat", session: 10, kind: "direct", ...message(5, 10, BOB) });
  assert.deepEqual(unseen, { key: sessionKey(10), known: true, read: null });
  assert.equal(state.tab(sessionKey(10)).unread, 1);

  state.select(sessionKey(10));
  assert.deepEqual(state.view(sessionKey(10)), [{ session: 10, upTo: 5 }]);
  assert.equal(state.tab(sessionKey(10)).unread, 0);
  assert.deepEqual(state.view(sessionKey(10)), [], "nothing more to mark");

  const seen = state.receive({ t: "chat", session: 10, kind: "direct", ...message(6, 10, BOB) });
  assert.deepEqual(seen.read, { session: 10, upTo: 6 });
  assert.equal(state.tab(sessionKey(10)).unread, 0);
});

test("nearby messages also show in the Nearby tab, and seeing them there reads their session", () => {
  const state = new ChatState(ADA);
  state.setSessions([session({ id: 12, kind: "nearby", participants: [ADA, BOB] })]);
  state.receive({ t: "chat", session: 12, kind: "nearby", ...message(7, 12, BOB, "hello") });
  assert.equal(state.nearby.unread, 1);
  assert.equal(state.tab(sessionKey(12)).unread, 1);
  assert.deepEqual(state.entries(NEARBY).map((e) => e.text), ["hello"]);
  assert.deepEqual(state.view(NEARBY), [{ session: 12, upTo: 7 }]);
  assert.equal(state.nearby.unread, 0);
  assert.equal(state.totalUnread, 0);
  const live = state.receive({ t: "chat", session: 12, kind: "nearby", ...message(8, 12, BOB) });
  assert.deepEqual(live.read, { session: 12, upTo: 8 });
});

test("a message for an unknown session makes a tab at once and asks for the sessions", () => {
  const state = new ChatState(ADA);
  const result = state.receive({ t: "chat", session: 20, kind: "nearby", ...message(9, 20, CY) });
  assert.equal(result.known, false);
  assert.equal(state.tab(sessionKey(20)).title, "Nearby: Cy");
  assert.equal(state.tab(sessionKey(20)).unread, 1);
  state.setSessions([session({ id: 20, kind: "nearby", participants: [ADA, CY, BOB], unread: 1 })]);
  assert.equal(state.tab(sessionKey(20)).title, "Nearby: Cy, Bob");
  assert.deepEqual(ids(state, sessionKey(20)), [9]);
});

test("pages merge without duplicates, and the furthest page back says whether more remain", () => {
  const state = new ChatState(ADA);
  state.setSessions([session({ id: 10, kind: "direct", participants: [ADA, BOB] })]);
  const key = sessionKey(10);
  // A live message arrives before the history does, and is in it too.
  state.receive({ t: "chat", session: 10, kind: "direct", ...message(103, 10, BOB) });
  state.addPage(key, { messages: [101, 102, 103].map((id) => message(id, 10, BOB)), more: true });
  assert.deepEqual(ids(state, key), [101, 102, 103]);
  assert.equal(state.tab(key).oldestLoaded, 101);
  assert.equal(state.tab(key).more, true);
  state.addPage(key, { messages: [99, 100, 101].map((id) => message(id, 10, BOB)), more: false });
  assert.deepEqual(ids(state, key), [99, 100, 101, 102, 103]);
  assert.equal(state.tab(key).more, false);
  // The newest page again (after a reconnect) does not undo paging back.
  state.addPage(key, { messages: [102, 103, 104].map((id) => message(id, 10, BOB)), more: true });
  assert.deepEqual(ids(state, key), [99, 100, 101, 102, 103, 104]);
  assert.equal(state.tab(key).more, false);
  assert.equal(state.tab(key).oldestLoaded, 99);
  // Junk in a page is skipped.
  state.addPage(key, { messages: [null, { id: "x" }, { id: 98 }], more: false });
  assert.deepEqual(ids(state, key), [99, 100, 101, 102, 103, 104]);
});

test("an empty history has nothing more", () => {
  const state = new ChatState(ADA);
  state.setSessions([session({ id: 10, kind: "zone", title: "lounge" })]);
  state.addPage(sessionKey(10), { messages: [], more: false });
  assert.equal(state.tab(sessionKey(10)).loaded, true);
  assert.equal(state.tab(sessionKey(10)).more, false);
});

test("a message waits for its said, then takes the stored id, time and text", () => {
  const state = newState();
  state.setSessions([session({ id: 12, kind: "nearby", participants: [ADA, BOB] })]);
  const say = state.compose(NEARBY, "  what the heck  ");
  assert.deepEqual(say, { t: "say", ref: 1, kind: "nearby", text: "what the heck", cid: "c0000001" });
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.text, e.pending]), [["what the heck", true]]);
  const result = state.said({ t: "said", ref: 1, session: 12, id: 70, at: 5000, text: "what the ****" });
  assert.deepEqual(result, { key: sessionKey(12), known: true });
  const [shown] = state.entries(NEARBY);
  assert.deepEqual([shown.id, shown.text, shown.at, shown.pending, shown.own], [70, "what the ****", 5000, false, true]);
  assert.deepEqual(ids(state, sessionKey(12)), [70]);
  assert.equal(state.tab(sessionKey(12)).unread, 0, "your own words are not unread");
  assert.equal(state.said({ t: "said", ref: 1, session: 12, id: 70, at: 5000, text: "again" }), null);
});

test("a refused say shows why, and can be put away", () => {
  const state = new ChatState(ADA);
  const say = state.compose(NEARBY, "hi");
  state.said({ t: "said", ref: say.ref, error: "chat_rate_limited", message: "at most 5 messages in 10 seconds" });
  const [entry] = state.entries(NEARBY);
  assert.equal(entry.pending, false);
  assert.equal(entry.error, "At most 5 messages in 10 seconds.");
  state.said({ t: "said", ref: 99, error: "x" });
  state.dismiss(NEARBY, say.ref);
  assert.deepEqual(state.entries(NEARBY), []);
  // A refusal without a message shows its code.
  const again = state.compose(NEARBY, "hi");
  state.said({ t: "said", ref: again.ref, error: "shouting" });
  assert.equal(state.entries(NEARBY)[0].error, "shouting");
});

test("empty texts and the system tab send nothing; zone and direct tabs say their kind", () => {
  const state = newState();
  state.setSessions([
    session({ id: 11, kind: "zone", title: "library", participants: [ADA, CY] }),
    session({ id: 10, kind: "direct", participants: [ADA, BOB] }),
    session({ id: 13, kind: "system", participants: [ADA] }),
  ]);
  assert.equal(state.compose(NEARBY, "   "), null);
  assert.equal(state.compose(sessionKey(13), "hello?"), null);
  assert.deepEqual(state.compose(sessionKey(11), "shh"), { t: "say", ref: 1, kind: "zone", text: "shh", cid: "c0000001" });
  assert.deepEqual(state.compose(sessionKey(10), "hi"),
    { t: "say", ref: 2, kind: "direct", text: "hi", to: BOB.id, cid: "c0000002" });
});

test("a direct chat starts as a draft and becomes the session with its first message", () => {
  const state = newState();
  const key = state.openDirect({ id: BOB.id, name: "Bob" });
  assert.equal(key, draftKey(BOB.id));
  assert.equal(state.selected, key);
  assert.deepEqual(titles(state), ["Nearby", "Ask anyone", "Bob"]);
  const say = state.compose(key, "hi Bob");
  assert.deepEqual(say, { t: "say", ref: 1, kind: "direct", text: "hi Bob", to: BOB.id, cid: "c0000001" });
  const result = state.said({ t: "said", ref: 1, session: 30, id: 80, at: 1, text: "hi Bob" });
  assert.deepEqual(result, { key: sessionKey(30), known: true });
  assert.equal(state.selected, sessionKey(30));
  assert.equal(state.tab(draftKey(BOB.id)), null);
  assert.deepEqual(ids(state, sessionKey(30)), [80]);
  // Opening it again finds the session.
  assert.equal(state.openDirect({ id: BOB.id, name: "Bob" }), sessionKey(30));
});

test("a draft is adopted when the other person writes first, or when the sessions list has it", () => {
  const state = new ChatState(ADA);
  state.openDirect({ id: BOB.id, name: "Bob" });
  const result = state.receive({ t: "chat", session: 31, kind: "direct", ...message(81, 31, BOB) });
  assert.equal(result.key, sessionKey(31));
  assert.equal(state.tab(draftKey(BOB.id)), null);

  state.openDirect({ id: CY.id, name: "Cy" });
  state.setSessions([session({ id: 32, kind: "direct", participants: [ADA, CY] })]);
  assert.equal(state.tab(draftKey(CY.id)), null);
  assert.equal(state.selected, sessionKey(32));
});

test("a message said in a stale tab goes where the server put it, and the view follows", () => {
  const state = new ChatState(ADA);
  state.setSessions([session({ id: 12, kind: "nearby", participants: [ADA, BOB] })]);
  state.select(sessionKey(12));
  state.compose(sessionKey(12), "anyone?");
  // Bob walked away; Cy is near now: a new session.
  const result = state.said({ t: "said", ref: 1, session: 40, id: 90, at: 1, text: "anyone?" });
  assert.deepEqual(result, { key: sessionKey(40), known: false });
  assert.equal(state.selected, sessionKey(40));
  assert.deepEqual(ids(state, sessionKey(12)), []);
  assert.deepEqual(ids(state, sessionKey(40)), [90]);
});

test("every say carries its own id, made once; a question carries none", () => {
  const made = new Set(Array.from({ length: 50 }, () => randomCid()));
  assert.equal(made.size, 50);
  for (const cid of made) assert.match(cid, /^[A-Za-z0-9_-]{22}$/);
  const state = new ChatState(ADA);
  assert.match(state.compose(NEARBY, "hi").cid, /^[A-Za-z0-9_-]{22}$/);
  state.openAgentSession({ session: 55, agent: "scout", name: "Scout" });
  assert.equal("cid" in state.compose(sessionKey(55), "and you?"), false);
  assert.equal("cid" in state.compose(ANYONE, "anyone?"), false);
});

test("a say the store could not take still shows as sending, and goes again with its id and a new ref", () => {
  const state = newState();
  state.setSessions([session({ id: 12, kind: "nearby", participants: [ADA, BOB] })]);
  const say = state.compose(NEARBY, "hello");
  const failed = state.said({ t: "said", ref: say.ref, error: "store_failed", message: "the message could not be stored" });
  assert.deepEqual(failed, { key: NEARBY, known: true, resend: { cid: "c0000001", failures: 1 } });
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.key, e.text, e.pending, e.error]), [["p1", "hello", true, null]]);
  assert.deepEqual(state.unsaid(), ["c0000001"]);

  const again = state.resend("c0000001");
  assert.deepEqual(again, { t: "say", ref: 2, kind: "nearby", text: "hello", cid: "c0000001" });
  assert.equal(state.said({ t: "said", ref: 1, error: "store_failed" }), null, "the first ref is answered already");
  assert.deepEqual(state.said({ t: "said", ref: 2, error: "store_failed" }).resend, { cid: "c0000001", failures: 2 });
  const third = state.resend("c0000001");
  assert.equal(third.ref, 3);
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.key, e.pending]), [["p1", true]], "the same entry all along");

  state.said({ t: "said", ref: 3, session: 12, id: 70, at: 5000, text: "hello" });
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.id, e.pending, e.error]), [[70, false, null]]);
  assert.deepEqual(ids(state, sessionKey(12)), [70]);
  assert.equal(state.resend("c0000001"), null, "stored: nothing to send again");
  assert.deepEqual(state.unsaid(), []);
});

test("a say sent again and then refused otherwise shows that refusal, and sends no more", () => {
  const state = newState();
  const say = state.compose(NEARBY, "HELLO");
  state.said({ t: "said", ref: say.ref, error: "store_failed" });
  const again = state.resend(say.cid);
  const refused = state.said({ t: "said", ref: again.ref, error: "shouting", message: "please do not shout" });
  assert.deepEqual(refused, { key: NEARBY, known: true });
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.pending, e.error, e.ref]), [[false, "Please do not shout.", again.ref]]);
  assert.equal(state.resend(say.cid), null);
  assert.deepEqual(state.unsaid(), []);
  state.dismiss(NEARBY, again.ref);
  assert.deepEqual(state.entries(NEARBY), []);
});

test("a question the store could not take is refused, as before", () => {
  const state = newState();
  state.openAgentSession({ session: 56, agent: "scout", name: "Scout" });
  const ask = state.compose(sessionKey(56), "where?");
  const result = state.asked({ t: "asked", ref: ask.ref, error: "store_failed" });
  assert.deepEqual(result, { key: sessionKey(56), known: true });
  assert.deepEqual(state.entries(sessionKey(56)).map((e) => [e.pending, e.error]), [[false, "store_failed"]]);
  assert.deepEqual(state.unsaid(), []);
});

test("a lost connection keeps what was said waiting, to send again; a question fails", () => {
  const state = newState();
  state.openAgentSession({ session: 57, agent: "scout", name: "Scout" });
  state.compose(sessionKey(57), "are you there?");
  state.compose(NEARBY, "one");
  state.connectionLost();
  assert.equal(state.pendingRefs.size, 0, "no answer will come on the lost connection");
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.key, e.pending, e.error]), [["p2", true, null]]);
  assert.deepEqual(state.entries(sessionKey(57)).map((e) => e.error), ["Not sent: the connection was lost."]);
  assert.deepEqual(state.unsaid(), ["c0000001"]);
  assert.deepEqual(state.resend("c0000001"), { t: "say", ref: 3, kind: "nearby", text: "one", cid: "c0000001" });
  state.said({ t: "said", ref: 3, session: 12, id: 71, at: 1, text: "one" });
  assert.deepEqual(ids(state, NEARBY), [71]);
});

test("a say that could not go out at all waits to be sent; in typing order, to whom it was for", () => {
  const state = newState();
  state.setSessions([session({ id: 11, kind: "zone", title: "library", participants: [ADA, CY] })]);
  state.openDirect({ id: BOB.id, name: "Bob" });
  const toBob = state.compose(draftKey(BOB.id), "hi Bob");
  const toZone = state.compose(sessionKey(11), "shh");
  const near = state.compose(NEARBY, "hey");
  state.sendFailed(near.ref, "Not sent: not connected to the world.");
  state.sendFailed(toBob.ref, "Not sent: not connected to the world.");
  assert.deepEqual(state.entries(NEARBY).map((e) => [e.pending, e.error]), [[true, null]]);
  assert.deepEqual(state.unsaid(), [toBob.cid, toZone.cid, near.cid], "one on its way counts as not yet stored");
  // Bob writes first: the draft becomes the session, the message with it.
  state.receive({ t: "chat", session: 30, kind: "direct", ...message(80, 30, BOB) });
  const again = state.resend(toBob.cid);
  assert.deepEqual(again, { t: "say", ref: 4, kind: "direct", text: "hi Bob", to: BOB.id, cid: toBob.cid });
  state.said({ t: "said", ref: 4, session: 30, id: 81, at: 2, text: "hi Bob" });
  assert.deepEqual(state.entries(sessionKey(30)).map((e) => [e.id, e.own]), [[80, false], [81, true]]);
  // Sent again while its first send was on its way: the first ref's answer is not ours any more.
  const zoneAgain = state.resend(toZone.cid);
  assert.equal(state.said({ t: "said", ref: toZone.ref, session: 11, id: 82, at: 3, text: "shh" }), null);
  state.said({ t: "said", ref: zoneAgain.ref, session: 11, id: 82, at: 3, text: "shh" });
  assert.deepEqual(ids(state, sessionKey(11)), [82]);
});

test("a message the page shows already shows once, however often it comes", () => {
  const state = newState();
  state.setSessions([session({ id: 12, kind: "nearby", participants: [ADA, BOB] })]);
  state.view(NEARBY);
  const say = state.compose(NEARBY, "hello");
  // The store took it but its said was lost with the connection; the
  // history brought it back before the say sent again was answered.
  state.connectionLost();
  const again = state.resend(say.cid);
  state.addPage(sessionKey(12), { messages: [message(70, 12, ADA, "hello")], more: false });
  state.said({ t: "said", ref: again.ref, session: 12, id: 70, at: 70, text: "hello" });
  // And the server delivers it again.
  const delivered = state.receive({ t: "chat", session: 12, kind: "nearby", ...message(70, 12, ADA, "hello") });
  assert.deepEqual(delivered, { key: sessionKey(12), known: true, read: null });
  assert.deepEqual(ids(state, sessionKey(12)), [70]);
  assert.deepEqual(ids(state, NEARBY), [70]);
  assert.equal(state.tab(sessionKey(12)).unread, 0);
  // Someone else's message delivered twice counts once.
  state.view(null);
  state.receive({ t: "chat", session: 12, kind: "nearby", ...message(72, 12, BOB) });
  state.receive({ t: "chat", session: 12, kind: "nearby", ...message(72, 12, BOB) });
  assert.deepEqual(ids(state, sessionKey(12)), [70, 72]);
  assert.equal(state.tab(sessionKey(12)).unread, 1);
  assert.equal(state.nearby.unread, 1);
});

test("a read answer keeps later unread messages", () => {
  const state = new ChatState(ADA);
  state.setSessions([session({ id: 10, kind: "direct", participants: [ADA, BOB], unread: 1, lastMessage: message(5, 10, BOB) })]);
  state.receive({ t: "chat", session: 10, kind: "direct", ...message(6, 10, BOB) });
  state.readAnswered(10, 0, 5);
  assert.equal(state.tab(sessionKey(10)).unread, 1);
  state.readAnswered(10, 0, 6);
  assert.equal(state.tab(sessionKey(10)).unread, 0);
});

const SCOUT = { agent: "scout", name: "Scout", avatar: "explorer" };
const agentChat = (id, session, text = `a${id}`) => ({ t: "chat", session, kind: "agent", id, from: SCOUT, text, at: id });

test("an agent's session is named after the agent, and questions typed there are asked of it", () => {
  const state = new ChatState(ADA);
  state.setSessions([session({ id: 50, kind: "agent", agent: "scout", title: "Scout", participants: [ADA], unread: 2,
    lastMessage: message(9, 50, null) })]);
  const key = sessionKey(50);
  assert.deepEqual(titles(state), ["Nearby", "Ask anyone", "Scout"]);
  assert.equal(state.tab(key).agent, "scout");
  assert.equal(state.totalUnread, 2, "unread as for any session");
  assert.equal(state.canSend(key), true);
  assert.deepEqual(state.compose(key, " where is the cafe? "), { t: "ask", ref: 1, agent: "scout", text: "where is the cafe?" });
  assert.deepEqual(state.entries(key).map((e) => [e.text, e.pending]), [["where is the cafe?", true]]);
  assert.equal(sessionTitle("agent", "", [], ADA.id), "Agent");
});

test("an agent's answer shows as the agent's; one for a session not known makes its tab", () => {
  const state = new ChatState(ADA);
  const result = state.receive(agentChat(10, 51, "Hello, I am Scout."));
  assert.equal(result.known, false);
  const tab = state.tab(sessionKey(51));
  assert.deepEqual([tab.kind, tab.agent, tab.title, tab.unread], ["agent", "scout", "Scout", 1]);
  const [entry] = state.entries(sessionKey(51));
  assert.deepEqual([entry.from, entry.own, entry.text], [SCOUT, false, "Hello, I am Scout."]);
  // A sender that is neither a person nor an agent is ark's.
  state.receive({ t: "chat", session: 51, kind: "agent", id: 11, from: { agent: 7 }, text: "?", at: 11 });
  assert.equal(state.entries(sessionKey(51))[1].from, null);
});

test("talking opens the agent's session: its tab, made if new, selected", () => {
  const state = new ChatState(ADA);
  const key = state.openAgentSession({ session: 52, agent: "scout", name: "Scout" });
  assert.equal(key, sessionKey(52));
  assert.equal(state.selected, key);
  assert.deepEqual([state.tab(key).kind, state.tab(key).agent, state.tab(key).title, state.tab(key).loaded],
    ["agent", "scout", "Scout", false]);
  state.select(NEARBY);
  assert.equal(state.openAgentSession({ session: 52, agent: "scout", name: "Scout" }), key);
  assert.equal(state.selected, key);
  assert.equal(state.tabs.size, 3);
});

test("ask anyone asks without an agent; its answer's session is the agent's, and the view follows", () => {
  const state = new ChatState(ADA);
  state.select(ANYONE);
  assert.equal(state.canSend(ANYONE), true);
  const ask = state.compose(ANYONE, "where can I get coffee?");
  assert.deepEqual(ask, { t: "ask", ref: 1, text: "where can I get coffee?" });
  assert.deepEqual(state.entries(ANYONE).map((e) => e.pending), [true]);
  const result = state.asked({ t: "asked", ref: 1, agent: "scout", reason: "Scout knows the town", session: 53, id: 90,
    at: 5, text: "where can I get coffee?" });
  assert.deepEqual(result, { key: sessionKey(53), known: false });
  assert.equal(state.selected, sessionKey(53));
  assert.deepEqual(state.entries(ANYONE), []);
  const tab = state.tab(sessionKey(53));
  assert.deepEqual([tab.kind, tab.agent, tab.title], ["agent", "scout", "Scout"], "named by its id until the list comes");
  assert.deepEqual(state.entries(sessionKey(53)).map((e) => [e.id, e.own]), [[90, true]]);
  // The sessions list names it properly.
  state.setSessions([session({ id: 53, kind: "agent", agent: "scout", title: "Scout the Guide", participants: [ADA] })]);
  assert.equal(tab.title, "Scout the Guide");
});

test("a refused question shows why where it was asked", () => {
  const state = new ChatState(ADA);
  state.openAgentSession({ session: 54, agent: "scout", name: "Scout" });
  const ask = state.compose(sessionKey(54), "and then?");
  state.asked({ t: "asked", ref: ask.ref, error: "already_asking", message: "your previous question is still being answered" });
  assert.deepEqual(state.entries(sessionKey(54)).map((e) => e.error), ["Your previous question is still being answered."]);
  const anyone = state.compose(ANYONE, "hello?");
  state.asked({ t: "asked", ref: anyone.ref, error: "no_agents" });
  assert.deepEqual(state.entries(ANYONE).map((e) => e.error), ["no_agents"]);
  assert.equal(state.asked({ t: "asked", ref: 99, error: "x" }), null);
});
