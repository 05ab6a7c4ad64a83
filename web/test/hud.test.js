// What the page shows over the game: the connection's banner, a refused
// join, the place and the action button, and the server's complaints as
// notices that count their repeats instead of piling up.
import { test } from "node:test";
import assert from "node:assert/strict";

import { HUD_ELEMENT_IDS, Hud, NOTICE_MS, hudElements } from "../src/hud.js";

// Timers the test moves by hand.
function fakeTimers() {
  let now = 0;
  let next = 1;
  const pending = new Map();
  return {
    setTimeout: (callback, ms) => { pending.set(next, { callback, at: now + ms }); return next++; },
    clearTimeout: (id) => pending.delete(id),
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...pending]) {
        if (timer.at <= now) {
          pending.delete(id);
          timer.callback();
        }
      }
    },
    get pending() { return pending.size; },
  };
}

function setup({ touch = false } = {}) {
  const elements = {};
  for (const name of Object.keys(HUD_ELEMENT_IDS)) {
    elements[name] = { hidden: true, textContent: "", style: {}, onclick: null };
  }
  elements.loading.hidden = false;
  const timers = fakeTimers();
  const touchQuery = new EventTarget();
  touchQuery.matches = touch;
  const asked = [];
  let open = new Set();
  const hud = new Hud({
    elements, timers, touchQuery, openZones: () => open,
    onRejoin: () => asked.push("rejoin"), onRetry: (code) => asked.push(["retry", code]),
  });
  return { hud, elements, timers, touchQuery, asked, setOpen: (zones) => { open = zones; } };
}

test("the elements are found by their ids in index.html", () => {
  const page = { getElementById: (id) => ({ id }) };
  const found = hudElements(page);
  assert.equal(found.notice.id, "hud-notice");
  assert.equal(found.statusButton.id, "status-rejoin");
});

test("loading: the bar fills, and the screen goes once the world is drawn", () => {
  const { hud, elements } = setup();
  hud.loadProgress(0.426);
  assert.equal(elements.loadingFill.style.width, "43%");
  hud.loaded();
  assert.equal(elements.loading.hidden, true);
});

test("a map that cannot be loaded: the loading screen says why, the banner offers to try again, a later map clears it", () => {
  const { hud, elements } = setup();
  hud.loaded();
  let retried = 0;
  hud.loadProgress(0.5);
  hud.mapFailed("The map could not be loaded: layer 'floor/details': unknown compression 'lz4'", () => retried++);
  assert.equal(elements.loading.hidden, false);
  assert.equal(elements.loadingText.textContent, "The map could not be loaded: layer 'floor/details': unknown compression 'lz4'");
  assert.equal(elements.status.hidden, false);
  assert.equal(elements.statusText.textContent, "The map could not be loaded.");
  assert.equal(elements.statusButton.textContent, "Try again");
  assert.equal(elements.statusButton.hidden, false);

  elements.statusButton.onclick();
  assert.equal(retried, 1);
  assert.equal(elements.loadingText.textContent, "Loading…");
  assert.equal(elements.loadingFill.style.width, "0%");
  assert.equal(elements.status.hidden, true);
  assert.equal(elements.loading.hidden, false, "the loading screen stays while the map loads again");

  hud.mapFailed("The map could not be loaded: the map /maps/x.tmj answered 404", () => retried++);
  hud.loaded();
  assert.equal(elements.loading.hidden, true);
  assert.equal(elements.status.hidden, true);
  assert.equal(elements.statusButton.hidden, true);

  // A banner the connection put up since is the connection's to clear.
  hud.mapFailed("The map could not be loaded: the map /maps/x.tmj answered 404", () => retried++);
  hud.connection({ state: "reconnecting", attempt: 1, delaySeconds: 1 });
  hud.loaded();
  assert.equal(elements.status.hidden, false);
  assert.equal(elements.statusText.textContent, "Reconnecting… (attempt 1)");
});

test("the banner: hidden while connected, counting reconnection attempts, offering to rejoin", () => {
  const { hud, elements, asked } = setup();
  hud.connection({ state: "reconnecting", attempt: 2, delaySeconds: 2 });
  assert.equal(elements.status.hidden, false);
  assert.equal(elements.statusText.textContent, "Reconnecting… (attempt 2)");
  assert.equal(elements.statusButton.hidden, true);
  hud.connection({ state: "connected", resumed: true });
  assert.equal(elements.status.hidden, true);
  hud.connection({ state: "closed", code: 4003 });
  assert.equal(elements.statusText.textContent, "You joined from another tab.");
  assert.equal(elements.statusButton.hidden, true);
  hud.connection({ state: "failed", reason: "the server could not be reached" });
  assert.equal(elements.statusText.textContent, "Disconnected: the server could not be reached");
  assert.equal(elements.statusButton.hidden, false);
  assert.equal(elements.statusButton.textContent, "Rejoin");
  elements.statusButton.onclick();
  assert.deepEqual(asked, ["rejoin"]);
});

test("a refused join shows the server's message, where the loading screen waits too, and offers to try again", () => {
  const { hud, elements, asked } = setup();
  hud.connection({ state: "refused", code: "unknown_map", reason: "no map named 'nowhere.tmj' here" });
  assert.equal(elements.status.hidden, false);
  assert.equal(elements.statusText.textContent, "Could not join: no map named 'nowhere.tmj' here");
  assert.equal(elements.loadingText.textContent, "Could not join: no map named 'nowhere.tmj' here");
  assert.equal(elements.statusButton.hidden, false);
  assert.equal(elements.statusButton.textContent, "Try again");
  elements.statusButton.onclick();
  assert.deepEqual(asked, [["retry", "unknown_map"]]);
});

test("the place is the innermost named zone; the button says what E does, and nothing once under way", () => {
  const { hud, elements, touchQuery, setOpen } = setup();
  hud.showZones([[0, "town-square"], [3, "meeting-room-2", "Join meeting"]]);
  assert.deepEqual(hud.zoneNames, ["town-square", "meeting-room-2"]);
  assert.equal(elements.place.textContent, "Meeting room 2");
  assert.equal(elements.place.hidden, false);
  assert.equal(elements.action.textContent, "E: Join meeting");
  assert.equal(elements.action.hidden, false);
  // A tablet that lost its keyboard.
  touchQuery.matches = true;
  touchQuery.dispatchEvent(new Event("change"));
  assert.equal(elements.action.textContent, "Join meeting");
  setOpen(new Set([3]));
  hud.renderZones();
  assert.equal(elements.action.hidden, true);
  hud.showZones([]);
  assert.equal(elements.place.hidden, true);
  assert.equal(elements.action.hidden, true);
});

test("with an agent within reach, the button talks to it; out of reach, it acts again", () => {
  const { hud, elements, touchQuery, setOpen } = setup();
  hud.showZones([[5, "agents-corner", "Talk to scout"]]);
  setOpen(new Set([5]));
  hud.renderZones();
  assert.equal(elements.action.hidden, true, "the zone's conversation is under way");
  hud.agentNear("Scout");
  assert.equal(elements.action.textContent, "E: Talk to Scout");
  assert.equal(elements.action.hidden, false, "an agent at hand is always offered");
  touchQuery.matches = true;
  touchQuery.dispatchEvent(new Event("change"));
  assert.equal(elements.action.textContent, "Talk to Scout");
  touchQuery.matches = false;
  setOpen(new Set());
  hud.agentNear(null);
  assert.equal(elements.action.textContent, "E: Talk to scout");
  hud.showZones([]);
  hud.agentNear("Sage");
  assert.equal(elements.action.textContent, "E: Talk to Sage", "near an agent outside any zone");
  hud.agentNear(null);
  assert.equal(elements.action.hidden, true);
});

test("an error after joining shows a notice that goes by itself", () => {
  const { hud, elements, timers } = setup();
  hud.notice("rate_limited", "more than 40 messages in a second");
  assert.equal(elements.notice.hidden, false);
  assert.equal(elements.notice.textContent, "more than 40 messages in a second");
  timers.advance(NOTICE_MS - 1);
  assert.equal(elements.notice.hidden, false);
  timers.advance(1);
  assert.equal(elements.notice.hidden, true);
  assert.equal(elements.notice.textContent, "");
  assert.equal(timers.pending, 0);
});

test("the same error again while shown is counted, not repeated, and keeps the notice up", () => {
  const { hud, elements, timers } = setup();
  for (let second = 0; second < 5; second++) {
    hud.notice("input_rate_limited", "more than 60 input steps a second");
    timers.advance(1000);
  }
  assert.equal(elements.notice.textContent, "more than 60 input steps a second (5×)");
  assert.equal(timers.pending, 1, "one timer, however many repeats");
  // Another kind replaces it, counted afresh.
  hud.notice("internal_error", "the server failed to handle this message");
  assert.equal(elements.notice.textContent, "the server failed to handle this message");
  timers.advance(NOTICE_MS);
  assert.equal(elements.notice.hidden, true);
  // Once gone, the same kind starts again at one.
  hud.notice("internal_error", "the server failed to handle this message");
  assert.equal(elements.notice.textContent, "the server failed to handle this message");
});
