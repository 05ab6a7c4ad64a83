// End to end: talking with an agent (issue 13) in real headless Chromium
// against a real `twistd ark` on the bundled town, answered by the
// offline knowledge brain: Ada walks up to Scout, asks where the library
// is through the chat panel and gets a streamed answer naming it, with
// the way drawn on her map; Bob, standing by, sees Scout busy with Ada
// and the speech bubble; after a refresh Ada's conversation is still
// there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";

import { artifacts, eventually, inWorld, serverAndBrowser, settled, signInAsGuest, walkTo } from "./support.js";

const world = serverAndBrowser(["--sign-in-limit", "100"]);
const UNITS = 60;

async function guest(name) {
  const page = await signInAsGuest(world, name);
  await inWorld(page);
  await settled(page);
  return page;
}

const scoutOn = (page) => page.evaluate(() => window.arkTest.agents().find((a) => a.agentId === "scout") ?? null);

// Walk to the first free tile of those `offsets` (px) from (x, y).
async function walkBeside(page, x, y, offsets) {
  for (const [dx, dy] of offsets) {
    try {
      return await walkTo(page, x + dx, y + dy);
    } catch {
      // A wall there: try the next.
    }
  }
  throw new Error(`no free tile beside (${x}, ${y})`);
}

// Walk to a free tile beside where the agent is drawn now (it wanders
// within five tiles of home), and open a conversation with the
// interact key once it is within reach.
async function walkUpAndTalk(page) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const scout = await scoutOn(page);
    assert.ok(scout?.x !== null, "Scout is in view");
    await walkBeside(page, scout.x / UNITS, scout.y / UNITS, [[32, 0], [-32, 0], [0, 32], [0, -32]]);
    const me = (await settled(page)).me;
    const now = await scoutOn(page);
    if (Math.hypot(me[0] - now.x, me[1] - now.y) / UNITS <= 56) {
      await page.waitForFunction(() => document.getElementById("action").textContent === "E: Talk to Scout");
      await page.keyboard.press("KeyE");
      return page.waitForFunction(() => window.arkTest.agentChat()?.open && window.arkTest.agentChat());
    }
  }
  throw new Error("could not get within reach of Scout");
}

test("Ada asks Scout where the library is; Bob sees Scout busy and its bubble; a refresh restores the conversation", async () => {
  const ada = await guest("Ada");
  const bob = await guest("Bob");
  // Both walk from the square to the agents' corner, where Scout lives.
  await Promise.all([walkTo(ada, 240, 560), walkTo(bob, 240, 624)]);
  const bobsScout = await eventually(() => scoutOn(bob), 10, "Bob knows of Scout");

  await walkUpAndTalk(ada);
  const talking = await ada.evaluate(() => window.arkTest.agentChat());
  assert.equal(talking.agent, "scout");
  assert.equal(talking.shown.title, "Scout — the guide");
  assert.equal(await ada.isVisible("#chat"), true, "the chat panel opened on the conversation");
  await ada.waitForFunction(() => window.arkTest.agentChat().messages.some((m) => m.agent === "scout" && m.text.startsWith("Hello Ada! I'm Scout, the guide.")));

  // Scout stands still with Ada now: Bob comes close enough to see what it says.
  const scout = await eventually(async () => {
    const seen = await scoutOn(bob);
    return seen?.state === "listening" && seen;
  }, 10, "Bob sees Scout listening");
  assert.equal(scout.withId, (await ada.evaluate(() => window.arkTest.snapshot().selfId)));
  await walkBeside(bob, scout.x / UNITS, scout.y / UNITS,
    [[0, 64], [0, -64], [64, 0], [-64, 0], [64, 64], [-64, 64], [64, -64], [-64, -64], [0, 96], [96, 0]]);

  await ada.fill("#chat-input", "Where is the library?");
  await ada.press("#chat-input", "Enter");
  const answer = await ada.waitForFunction(() => {
    const chat = window.arkTest.agentChat();
    const reply = chat.messages.filter((m) => m.agent === "scout").at(-1);
    return reply?.text.includes("library") && chat.streaming === null && { chat, reply };
  });
  const { chat, reply } = await answer.jsonValue();
  assert.match(reply.text, /^The library is north/);
  assert.match(reply.text, /marked the way on your map/);
  assert.ok(chat.pieces > 1, `the answer came in pieces (${chat.pieces})`);
  assert.deepEqual(chat.messages.filter((m) => m.from === "Ada").map((m) => m.text), ["Where is the library?"]);
  const guide = await ada.evaluate(() => window.arkTest.guide());
  assert.equal(guide.place, "library");
  assert.ok(guide.path.length >= 2, "the way is drawn on the map");

  // Bob saw Scout busy with Ada, and what it said over its head.
  const bubble = await eventually(async () => {
    const bubbles = await bob.evaluate(() => window.arkTest.bubbles());
    return bubbles[bobsScout.id];
  }, 10, "Bob sees Scout's bubble");
  assert.match(bubble, /library/);
  const busy = await scoutOn(bob);
  assert.notEqual(busy.state, "idle");
  assert.equal(busy.withId, scout.withId);
  await ada.screenshot({ path: join(artifacts, "conversation-ada.png") });
  await bob.screenshot({ path: join(artifacts, "conversation-bob.png") });

  // After a refresh, the conversation is in Ada's chat, in its own tab.
  await ada.reload();
  await inWorld(ada);
  const tab = ada.locator("#chat-tabs .chat-tab", { hasText: "Scout" });
  if (!(await ada.isVisible("#chat"))) await ada.click("#chat-toggle");
  await tab.first().click();
  await ada.waitForFunction(() => {
    const texts = window.arkTest.agentChat().messages.map((m) => m.text);
    return texts.includes("Where is the library?") && texts.some((t) => t.startsWith("The library is north"));
  });
  await ada.context().close();
  await bob.context().close();
});
