// The player's status: chosen, remembered, away while the page is hidden
// (only when online), and put right after every welcome.
import { test } from "node:test";
import assert from "node:assert/strict";

import { STATUS_KEY, StatusPicker } from "../src/status.js";
import { memoryStorage } from "./fakes/media.js";

function setup({ stored = {}, hidden = false } = {}) {
  const sent = [];
  let connected = true;
  const storage = memoryStorage(stored);
  const picker = new StatusPicker({
    send: (message) => {
      if (connected) sent.push(message);
      return connected;
    },
    storage, hidden,
  });
  return { picker, sent, storage, setConnected: (on) => { connected = on; } };
}

const welcome = (status) => ({ t: "welcome", id: 1, me: [1, "Ada", "fox", true, 0, 0, 0, 0, 0, 11, status] });

test("a new connection starts online on the server: a chosen status is sent again", () => {
  const { picker, sent } = setup({ stored: { [STATUS_KEY]: "dnd" } });
  assert.equal(picker.chosen, "dnd");
  picker.welcomed(welcome("online"));
  assert.deepEqual(sent, [{ t: "status", status: "dnd" }]);
  picker.welcomed(welcome("dnd"));
  assert.equal(sent.length, 1, "a resumed avatar that kept it needs nothing");
  picker.welcomed({ t: "welcome", id: 1, me: [1, "Ada", "fox", true, 0, 0, 0, 0, 0, 11] });
  assert.equal(sent.length, 2, "a welcome without a status counts as online");
});

test("choosing sends it and remembers it; nothing is sent before the first welcome", () => {
  const { picker, sent, storage } = setup();
  picker.choose("busy");
  assert.deepEqual(sent, []);
  assert.equal(storage.getItem(STATUS_KEY), "busy");
  picker.welcomed(welcome("online"));
  picker.choose("online");
  picker.choose("nonsense");
  assert.deepEqual(sent, [{ t: "status", status: "busy" }, { t: "status", status: "online" }]);
  assert.equal(picker.chosen, "online");
});

test("hidden, an online player is away; shown again, online", () => {
  const { picker, sent } = setup();
  picker.welcomed(welcome("online"));
  picker.visibilityChanged(true);
  assert.equal(picker.effective, "away");
  picker.visibilityChanged(false);
  assert.deepEqual(sent.map((message) => message.status), ["away", "online"]);
});

test("busy and do-not-disturb stay so while hidden", () => {
  const { picker, sent } = setup({ hidden: true, stored: { [STATUS_KEY]: "busy" } });
  picker.welcomed(welcome("online"));
  assert.deepEqual(sent.map((message) => message.status), ["busy"]);
  picker.choose("dnd");
  picker.visibilityChanged(false);
  picker.visibilityChanged(true);
  assert.deepEqual(sent.map((message) => message.status), ["busy", "dnd"]);
});

test("a page hidden from the start is away at its first welcome", () => {
  const { picker, sent } = setup({ hidden: true });
  picker.welcomed(welcome("online"));
  assert.deepEqual(sent, [{ t: "status", status: "away" }]);
});

test("unsent while disconnected: the next welcome tells", () => {
  const { picker, sent, setConnected } = setup();
  picker.welcomed(welcome("online"));
  setConnected(false);
  picker.choose("busy");
  assert.deepEqual(sent, []);
  setConnected(true);
  picker.welcomed(welcome("online"));
  assert.deepEqual(sent, [{ t: "status", status: "busy" }]);
});
