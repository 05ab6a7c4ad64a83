// Where to join: POST /api/join's answer read (the node's address, the
// seat), an older server without it, and what each failure means.
import { test } from "node:test";
import assert from "node:assert/strict";

import { ApiError } from "../src/api.js";
import { JOIN_URL, findSeat, seatTrouble } from "../src/seats.js";

const OWN = "wss://world.example/ws";

// An api answering every request with `answer` (thrown when an Error).
function fakeApi(answer) {
  const requests = [];
  const api = async (url, options) => {
    requests.push({ url, ...options });
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { api, requests };
}

test("asks POST /api/join, naming the map only when the page asked for one", async () => {
  const { api, requests } = fakeApi({ map: "cafe.tmj", node: "2", url: null, seat: "S1", expiresIn: 15 });
  await findSeat(api, { map: "cafe.tmj", ownUrl: OWN });
  await findSeat(api, { map: undefined, ownUrl: OWN });
  assert.equal(JOIN_URL, "/api/join");
  assert.deepEqual(requests, [
    { url: "/api/join", method: "POST", body: { map: "cafe.tmj" } },
    { url: "/api/join", method: "POST", body: {} },
  ]);
});

test("the node's address and the seat; no address is the page's own /ws", async () => {
  const node = fakeApi({ map: "town.tmj", node: "2", url: "wss://world.example/node/2/ws", seat: "S1", expiresIn: 15 });
  assert.deepEqual(await findSeat(node.api, { ownUrl: OWN }), { url: "wss://world.example/node/2/ws", seat: "S1" });
  const own = fakeApi({ map: "town.tmj", node: "1", url: null, seat: "S2", expiresIn: 15 });
  assert.deepEqual(await findSeat(own.api, { ownUrl: OWN }), { url: OWN, seat: "S2" });
  const plain = fakeApi({ map: "town.tmj", node: "1", url: "ws://localhost:8080/ws", seat: "S3", expiresIn: 15 });
  assert.deepEqual(await findSeat(plain.api, { ownUrl: OWN }), { url: "ws://localhost:8080/ws", seat: "S3" });
});

test("an older server without the endpoint (404 not_found) is joined on the page's own /ws, without a seat", async () => {
  const { api } = fakeApi(new ApiError(404, "not_found", "No such API endpoint."));
  assert.deepEqual(await findSeat(api, { map: "cafe.tmj", ownUrl: OWN }), { url: OWN, seat: null });
});

test("an answer without a seat, or with an address that is no absolute WebSocket one, cannot be read", async () => {
  for (const answer of [
    { url: null },
    { url: null, seat: "" },
    { url: "/node/2/ws", seat: "S1" },
    { url: "https://world.example/node/2/ws", seat: "S1" },
    { url: 2, seat: "S1" },
  ]) {
    const { api } = fakeApi(answer);
    await assert.rejects(findSeat(api, { ownUrl: OWN }), (error) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, "bad_response");
      return true;
    }, JSON.stringify(answer));
  }
});

test("other refusals come through as the api gave them", async () => {
  const refusal = new ApiError(404, "unknown_map", "No map of that name here.");
  const { api } = fakeApi(refusal);
  await assert.rejects(findSeat(api, { map: "nowhere.tmj", ownUrl: OWN }), (error) => error === refusal);
});

test("what a failure means: signed out, passing (ask again later) or final", () => {
  const signedOut = Object.assign(new Error("Please sign in again."), { code: "signed_out" });
  assert.equal(seatTrouble(signedOut), "signed_out");
  for (const error of [
    new ApiError(503, "try_again", "The room directory cannot be reached."),
    new ApiError(0, "network", "The server could not be reached."),
    new ApiError(502, "http_error", "The server had a problem (HTTP 502)."),
    new ApiError(429, "rate_limited", "Too many."),
    new ApiError(200, "bad_response", "Unreadable."),
    new TypeError("a bug of ours"),
  ]) {
    assert.equal(seatTrouble(error), "passing", error.message);
  }
  for (const error of [
    new ApiError(404, "unknown_map", "No map of that name here."),
    new ApiError(400, "bad_field", "'map' must be a map's path."),
    new ApiError(401, "token_expired", "Expired, after a renewal too."),
  ]) {
    assert.equal(seatTrouble(error), "final", error.message);
  }
});
