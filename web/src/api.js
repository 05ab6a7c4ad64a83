// One JSON request to the ark HTTP API (docs/api.md), with every way it
// can go wrong turned into an ApiError that carries a message a player
// can read: the server's own `message` when it sent one, else a plain
// account of what happened (no network, a server fault, an unreadable
// answer). Callers never see a raw TypeError or a JSON SyntaxError.

export class ApiError extends Error {
  // status: the HTTP status, 0 when no answer came; code: the server's
  // error code, or one of ours ("network", "bad_response", "http_error").
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

// A server's message for people, shown as a sentence: "that username is
// taken" reads "That username is taken."
export function asSentence(text) {
  const trimmed = text.trim();
  if (trimmed === "") return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

function parseJSON(text) {
  try {
    return JSON.parse(text);
  } catch (error) {
    return undefined;
  }
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export async function requestJSON(fetch, url, { method = "GET", body, accessToken } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  let response;
  let text;
  try {
    response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    text = await response.text();
  } catch (error) {
    throw new ApiError(0, "network", "The server could not be reached. Check your connection and try again.");
  }
  const data = parseJSON(text);
  const status = response.status;
  if (response.ok) {
    if (!isObject(data)) {
      throw new ApiError(status, "bad_response", `The server sent an answer that could not be read (HTTP ${status}).`);
    }
    return data;
  }
  if (isObject(data) && typeof data.error === "string") {
    const message = typeof data.message === "string" && data.message.trim()
      ? asSentence(data.message) : `The server refused: ${data.error}.`;
    throw new ApiError(status, data.error, message);
  }
  const message = status >= 500
    ? `The server had a problem (HTTP ${status}). Please try again in a moment.`
    : `The server refused the request (HTTP ${status}).`;
  throw new ApiError(status, "http_error", message);
}
