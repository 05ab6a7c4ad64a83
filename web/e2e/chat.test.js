// End to end: signing in and chatting, in real headless Chromium
// (/usr/bin/chromium, driven by playwright-core, no downloaded browser)
// against a real `twistd ark` from the project's virtualenv.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";

import {
  artifacts, inWorld, reachable, serverAndBrowser, settled, snapshot, walkPath, walkTo,
} from "./support.js";

// The server's --proximity-radius (px), and the units of a pixel.
const PROXIMITY_PX = 100;
const UNITS = 60;

// Every player signs in from 127.0.0.1: more than the default ten
// sign-ins a minute one address may make.
const world = serverAndBrowser(["--sign-in-limit", "100"]);

// Every alert, confirm or prompt any page opened: there must be none.
const dialogs = [];

// prepare(page): anything to set up before the page is opened.
async function openPage(viewport = { width: 1280, height: 720 }, device = {}, prepare = async () => {}) {
  const context = await world.browser.newContext({ viewport, ...device });
  const page = await context.newPage();
  await prepare(page);
  page.on("pageerror", (error) => { throw error; });
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  await page.goto(world.base + "/");
  return page;
}

// A guest, in the world.
async function player(name, viewport, device, prepare) {
  const page = await openPage(viewport, device, prepare);
  await page.waitForSelector("#profile:not([hidden])");
  await page.fill("#profile-name", name);
  await page.click("#profile-guest");
  await inWorld(page);
  return page;
}

// Walk to a free tile this many steps away (out of a crowd), whose
// centre (px) passes `wanted`.
async function walkAway(page, tiles, wanted = () => true) {
  const found = await reachable(page);
  const { tileWidth, tileHeight } = found.map;
  const goal = found.order.find(([c, r]) =>
    Math.abs(c - found.start[0]) + Math.abs(r - found.start[1]) >= tiles &&
    wanted((c + 0.5) * tileWidth, (r + 0.5) * tileHeight));
  assert.ok(goal, "no such tile");
  return walkPath(page, found, goal);
}

// What a page's camera shows of the world, in px: [x, y, width, height].
const viewOf = (page) => page.evaluate(() => window.arkTest.visibleWorld());

// Make sure the two stand within the proximity radius of each other.
async function standTogether(still, walker) {
  const here = await settled(still);
  let there = await settled(walker);
  const apart = () => Math.hypot(here.me[0] - there.me[0], here.me[1] - there.me[1]);
  if (apart() > (PROXIMITY_PX - 20) * UNITS) there = await walkTo(walker, here.me[0] / UNITS, here.me[1] / UNITS);
  assert.ok(apart() <= PROXIMITY_PX * UNITS, `still ${apart() / UNITS} px apart`);
  await walker.waitForFunction((id) => id in window.arkTest.snapshot().entities, here.selfId);
}

async function say(page, text) {
  await page.fill("#chat-input", text);
  await page.press("#chat-input", "Enter");
}

// Wait for a message with exactly this text in the tab shown; stored
// (not pending) unless said otherwise.
function shows(page, text) {
  return page.waitForFunction((wanted) => [...document.querySelectorAll("#chat-messages .message")]
    .some((node) => node.querySelector(".text").textContent === wanted && !node.classList.contains("pending")), text);
}

async function openTab(page, title) {
  const tab = page.locator("#chat-tabs .chat-tab", { hasText: title });
  await tab.first().waitFor();
  await tab.first().click();
  await page.waitForFunction((wanted) =>
    document.querySelector("#chat-tabs [aria-selected=true]")?.textContent.startsWith(wanted), title);
}

// Poll an async check in the page until it holds (the server's view of
// things that have no element to wait for).
async function eventually(page, check, argument, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await page.evaluate(check, argument);
    if (result) return result;
    assert.ok(Date.now() < deadline, `not so after ${timeoutMs} ms: ${check}`);
    await page.waitForTimeout(100);
  }
}

test("two players chat nearby; history survives a refresh; markup shows as text; typing never walks", async () => {
  const ada = await player("Ada");
  const bob = await player("Bob");
  await standTogether(ada, bob);

  await say(ada, "hello Bob");
  await shows(ada, "hello Bob");
  // Bob sees it live, in his Nearby tab, and the conversation has a tab.
  await shows(bob, "hello Bob");
  await bob.locator("#chat-tabs .chat-tab", { hasText: "Nearby: Ada" }).waitFor();

  // Typing in the chat moves nobody and loses no keystroke to the game.
  const still = await settled(bob);
  await bob.click("#chat-input");
  await bob.keyboard.type("wasd ", { delay: 60 });
  await bob.keyboard.press("ArrowLeft");
  await bob.keyboard.type("!");
  assert.equal(await bob.inputValue("#chat-input"), "wasd! ");
  const after = await settled(bob);
  assert.deepEqual(after.me, still.me);
  // Escape gives the keys back to the game.
  await bob.keyboard.press("Escape");
  assert.equal(await bob.evaluate(() => document.activeElement === document.body), true);
  await bob.fill("#chat-input", "");

  // After a refresh, the conversation's tab and history come back.
  await bob.reload();
  await inWorld(bob);
  await openTab(bob, "Nearby: Ada");
  await shows(bob, "hello Bob");

  // Markup is text: shown as typed, no element made, nothing run.
  const markup = "<img src=x onerror=alert(1)>";
  await say(ada, markup);
  await shows(ada, markup);
  await shows(bob, markup);
  for (const page of [ada, bob]) {
    assert.equal(await page.locator("#chat img").count(), 0);
    assert.equal(await page.evaluate(() => document.querySelectorAll("img").length), 0);
  }
  assert.deepEqual(dialogs, []);
  await bob.screenshot({ path: join(artifacts, "chat-desktop.png") });
  await ada.context().close();
  await bob.context().close();
});

test("clicking another avatar starts a direct chat; the other sees an unread badge until they read it", async () => {
  const cy = await player("Cy");
  const dee = await player("Dee");
  // Out of the crowd at the spawn point, so the click finds Cy alone, and
  // to where Dee can see (not behind the chat column).
  const [left, top, width, height] = await viewOf(dee);
  const margin = 48;
  const cyId = (await snapshot(cy)).selfId;
  const deeSees = await snapshot(dee);
  const others = [deeSees.me, ...Object.entries(deeSees.entities)
    .filter(([id]) => Number(id) !== cyId).map(([, at]) => at)]
    .map(([x, y]) => [x / UNITS, y / UNITS]);
  const cyState = await walkAway(cy, 3, (x, y) =>
    x > left + margin && x < left + width - margin && y > top + margin && y < top + height - margin &&
    others.every(([ox, oy]) => Math.hypot(ox - x, oy - y) > margin));
  const cyUser = (await snapshot(cy)).user;
  await dee.waitForFunction(([id, x, y]) => {
    const seen = window.arkTest.snapshot().entities[id];
    return seen && Math.abs(seen[0] - x) <= 1 && Math.abs(seen[1] - y) <= 1;
  }, [cyState.selfId, cyState.me[0], cyState.me[1]]);

  // Dee clicks Cy's avatar where it is drawn.
  const point = await dee.evaluate((id) => window.arkTest.pagePointOf(id), cyState.selfId);
  await dee.mouse.click(point.x, point.y);
  await dee.waitForFunction(() => document.querySelector("#chat-tabs [aria-selected=true]")?.textContent === "Cy");
  assert.equal(await dee.evaluate(() => document.activeElement?.id), "chat-input");
  await dee.keyboard.type("psst, Cy");
  await dee.keyboard.press("Enter");
  await shows(dee, "psst, Cy");

  // Cy, looking at Nearby, gets a "Dee" tab with one unread message.
  const badge = cy.locator("#chat-tabs .chat-tab", { hasText: "Dee" }).locator(".badge");
  await badge.waitFor();
  assert.equal(await badge.textContent(), "1");
  assert.equal(await cy.locator("#chat-toggle .badge").isHidden(), true, "the panel is open");
  await openTab(cy, "Dee");
  await shows(cy, "psst, Cy");
  await badge.waitFor({ state: "detached" });
  // The server agrees it has been read.
  await eventually(cy, async () => {
    const { sessions } = await window.arkTest.api("/api/chat/sessions");
    const direct = sessions.find((session) => session.kind === "direct");
    return direct && direct.unread === 0;
  });

  // Cy answers in the same session.
  await say(cy, "hi Dee");
  await shows(dee, "hi Dee");
  const deeSessions = await dee.evaluate(() => window.arkTest.api("/api/chat/sessions"));
  const direct = deeSessions.sessions.filter((session) => session.kind === "direct");
  assert.equal(direct.length, 1);
  assert.deepEqual(direct[0].participants.map((p) => p.id).sort(), [cyUser, (await snapshot(dee)).user].sort());
  await cy.context().close();
  await dee.context().close();
});

test("an account: register, sign out, log back in as the same user; the server's refusals are shown", async () => {
  const page = await openPage();
  await page.waitForSelector("#profile:not([hidden])");
  await page.fill("#profile-name", "Eve");
  await page.click("#account summary");
  await page.fill("#account-username", "eve");
  await page.fill("#account-password", "correct horse battery");
  await page.click("#account-register");
  await inWorld(page);
  const user = await page.evaluate(() => window.arkTest.session().user);
  assert.equal(user.username, "eve");
  assert.equal(user.name, "Eve");

  // Signing out revokes the tokens and shows the first-visit screen again.
  const stale = await page.evaluate(() => window.arkTest.session().accessToken);
  await page.click("#chat-signout");
  await page.waitForSelector("#profile:not([hidden])");
  assert.equal(await page.evaluate(() => localStorage.getItem("ark.auth")), null);
  const revoked = await page.evaluate(async (token) => {
    const response = await fetch("/api/chat/sessions", { headers: { authorization: `Bearer ${token}` } });
    return [response.status, (await response.json()).error];
  }, stale);
  assert.deepEqual(revoked, [401, "token_revoked"]);

  // The same username again: the server's message, and no sign-in.
  await page.click("#account summary");
  await page.fill("#account-username", "eve");
  await page.fill("#account-password", "another long one");
  await page.click("#account-register");
  await page.waitForSelector("#profile-error:not([hidden])");
  const taken = await page.textContent("#profile-error");
  assert.match(taken, /taken/i);

  // A wrong password: the server's message.
  await page.click("#account-login");
  await page.waitForFunction((before) => {
    const shown = document.getElementById("profile-error").textContent;
    return shown !== "" && shown !== before;
  }, taken);
  assert.match(await page.textContent("#profile-error"), /password/i);

  await page.fill("#account-password", "correct horse battery");
  await page.click("#account-login");
  await inWorld(page);
  assert.equal(await page.evaluate(() => window.arkTest.session().user.id), user.id);
  await page.context().close();
});

test("an expired access token is renewed before joining, and the same user comes back", async () => {
  const page = await player("Fay");
  const first = await page.evaluate(() => window.arkTest.session());
  // Pretend the access token ran out while the page was closed (auth.js
  // keeps the session in localStorage, under ark.auth).
  await page.evaluate(() => {
    const session = JSON.parse(localStorage.getItem("ark.auth"));
    session.expiresAt = Date.now() - 1000;
    localStorage.setItem("ark.auth", JSON.stringify(session));
  });
  await page.reload();
  await inWorld(page);
  const renewed = await page.evaluate(() => window.arkTest.session());
  assert.notEqual(renewed.refreshToken, first.refreshToken);
  assert.notEqual(renewed.accessToken, first.accessToken);
  assert.equal(renewed.user.id, first.user.id);
  // The spent refresh token is refused, and would revoke the family: the
  // page never sends it twice (it is still signed in here).
  await page.context().close();
});

test("scrolling to the top of a long chat pages back without moving what is read", async () => {
  // A long history from a stand-in for the chat API (the real one allows
  // 5 messages in 10 s), answering the page's own requests: the panel and
  // the chat client are the real ones.
  const ivy = { id: 424242, name: "Ivy", avatar: "owl" };
  const history = Array.from({ length: 120 }, (_, i) => ({
    id: i + 1, session: 999, from: ivy, text: `line ${i + 1}`, at: Date.now(),
  }));
  const standIn = async (page) => {
    await page.route((url) => url.pathname === "/api/chat/sessions", async (route) => {
      const response = await route.fetch();
      const answer = await response.json();
      answer.sessions.push({ id: 999, kind: "direct", title: "", unread: 0, lastMessage: history.at(-1),
        participants: [ivy] });
      await route.fulfill({ response, json: answer });
    });
    await page.route((url) => url.pathname === "/api/chat/sessions/999/messages", (route) => {
      const params = new URL(route.request().url()).searchParams;
      const before = Number(params.get("before") ?? Infinity);
      const limit = Number(params.get("limit"));
      const older = history.filter((message) => message.id < before);
      return route.fulfill({ json: { messages: older.slice(-limit), more: older.length > limit } });
    });
    await page.route((url) => url.pathname === "/api/chat/sessions/999/read",
      (route) => route.fulfill({ json: { unread: 0 } }));
  };
  const page = await player("Hal", undefined, undefined, standIn);
  await openTab(page, "Ivy");
  await shows(page, "line 120");
  assert.equal(await page.locator("#chat-messages .message").count(), 50);

  // Where a line sits in the list's view, in CSS px from its top.
  const placeOf = (text) => page.evaluate((wanted) => {
    const list = document.getElementById("chat-messages");
    const node = [...list.querySelectorAll(".message")].find((n) => n.querySelector(".text").textContent === wanted);
    return node.getBoundingClientRect().top - list.getBoundingClientRect().top;
  }, text);
  await page.evaluate(() => { document.getElementById("chat-messages").scrollTop = 0; });
  const before = await placeOf("line 71");
  await page.waitForFunction(() => document.querySelectorAll("#chat-messages .message").length === 100);
  assert.ok(Math.abs((await placeOf("line 71")) - before) <= 2, "the page came in above what was read");
  await page.evaluate(() => { document.getElementById("chat-messages").scrollTop = 0; });
  await page.waitForFunction(() => document.querySelectorAll("#chat-messages .message").length === 120);
  await page.locator("#chat-messages .hint", { hasText: "The beginning of this chat." }).waitFor();
  const texts = await page.locator("#chat-messages .message .text").allTextContents();
  assert.deepEqual(texts, Array.from({ length: 120 }, (_, i) => `line ${i + 1}`));
  await page.context().close();
});

test("on a phone, the chat is a sheet opened by its button, over the game and clear of the controls", async () => {
  const phone = await player("Gil", { width: 390, height: 844 }, { hasTouch: true, isMobile: true });
  assert.equal(await phone.isHidden("#chat"), true);
  const toggle = await phone.locator("#chat-toggle").boundingBox();
  const viewport = { width: 390, height: 844 };
  assert.ok(toggle.y < 100 && toggle.x > viewport.width / 2, "the button sits top right, away from the joystick");
  await phone.tap("#chat-toggle");
  await phone.waitForSelector("#chat:not([hidden])");
  const sheet = await phone.locator("#chat").boundingBox();
  assert.ok(Math.abs(sheet.y + sheet.height - viewport.height) <= 1, "a sheet at the bottom");
  assert.ok(sheet.height < viewport.height * 0.7, "the game stays in view above it");
  // The camera keeps the player's own avatar in the part still visible.
  await phone.waitForFunction((top) => {
    const { y } = window.arkTest.pagePointOf(window.arkTest.snapshot().selfId);
    return y > 0 && y < top;
  }, sheet.y);
  await phone.screenshot({ path: join(artifacts, "chat-phone.png") });
  await phone.tap("#chat-close");
  await phone.waitForSelector("#chat", { state: "hidden" });
  assert.equal(await phone.isVisible("#chat-toggle"), true);
  await phone.context().close();
});
