// Where to join (docs/protocol.md, "Nodes and seats"; docs/api.md,
// "Joining"): several server nodes make one world, each map's room held
// by one of them. Any node answers POST /api/join with the node that
// holds the map (its WebSocket address) and a seat there, a token its
// `join` redeems once, within seconds. An older server, which has no such
// endpoint, is joined as before: on the page's own /ws, naming the map.
//
// api(url, options) is an authorized JSON request (auth.authorizedJSON):
// an expired access token is renewed there, and one no renewal can save
// rejects with auth.js's SignedOutError.

import { ApiError } from "./api.js";

export const JOIN_URL = "/api/join";

// An absolute WebSocket address, as the directory names a node.
const SOCKET_URL = /^wss?:\/\/[^/?#\s]+/i;

function unreadable() {
  return new ApiError(200, "bad_response", "The server's answer of where to join could not be read.");
}

// Where to join, for the map the page asked for (none: where the player
// last stood, else the default map): { url, seat }, the node's WebSocket
// address (ownUrl, the page's own /ws, when the answer names none) and the
// seat token; seat is null when the server has no room directory (then
// join on ownUrl, naming the map, as a single server is joined). Rejects
// as the api does; seatTrouble tells what a rejection means.
export async function findSeat(api, { map, ownUrl }) {
  let answer;
  try {
    answer = await api(JOIN_URL, { method: "POST", body: map ? { map } : {} });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.code === "not_found") {
      return { url: ownUrl, seat: null };
    }
    throw error;
  }
  const { url, seat } = answer;
  if (typeof seat !== "string" || seat === "") throw unreadable();
  if (url === null || url === undefined) return { url: ownUrl, seat };
  if (typeof url !== "string" || !SOCKET_URL.test(url)) throw unreadable();
  return { url, seat };
}

// What a rejection of findSeat means for joining: "signed_out" (the
// sign-in is gone), "passing" (the directory or the network is down for
// now, the server failed: ask again later) or "final" (asking again would
// be refused again, e.g. 404 unknown_map: show it, stay closed).
export function seatTrouble(error) {
  if (error?.code === "signed_out") return "signed_out";
  if (!(error instanceof ApiError)) return "passing";
  const { status } = error;
  if (status === 0 || status === 200 || status === 408 || status === 429 || status >= 500) return "passing";
  return "final";
}
