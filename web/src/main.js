// The page: signing in (the first-visit screen, or the tokens kept from
// an earlier visit), then the game and the chat beside it. Everything that
// moves lives in scene.js and the modules it uses; the chat in chat*.js,
// conversations with agents in agentchat.js.
// The address may name a map to join: /?map=cafe.tmj.

import Phaser from "phaser";

import { AgentChat } from "./agentchat.js";
import { requestJSON } from "./api.js";
import { Auth, SignedOutError, tokenClaims } from "./auth.js";
import { benchOptions } from "./bench.js";
import { ChatState } from "./chat.js";
import { ChatClient } from "./chatclient.js";
import { ChatPanel } from "./chatpanel.js";
import { forgetReconnection } from "./connection.js";
import { PHONE_QUERY } from "./layout.js";
import { WorldScene } from "./scene.js";
import { signIn } from "./signin.js";

const MANIFEST_URL = "/assets/avatars/avatars.json";

// Storage that forgets with the page, for the benchmark's throwaway guest.
function memoryStorage() {
  const values = new Map();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => values.set(key, String(value)),
    removeItem: (key) => values.delete(key),
  };
}

// Something went wrong before the game could start: say what, offer to
// try again.
function showProblem(message) {
  document.getElementById("profile").hidden = true;
  document.getElementById("loading").hidden = false;
  document.getElementById("loading-text").textContent = message;
  const banner = document.getElementById("status");
  document.getElementById("status-text").textContent = "Something went wrong.";
  const retry = document.getElementById("status-rejoin");
  retry.textContent = "Try again";
  retry.hidden = false;
  retry.onclick = () => location.reload();
  banner.hidden = false;
}

// Whether stored tokens still sign the player in (renewing them if they
// are old). Only a refusal counts as no: an unreachable server is the
// connection's to report and retry.
async function stillSignedIn(auth) {
  try {
    await auth.accessToken();
    return true;
  } catch (error) {
    return !(error instanceof SignedOutError);
  }
}

// Who the chat says "You" to: the user the server sent with the tokens,
// else what the access token says.
function selfOf(auth) {
  const user = auth.user;
  if (user && Number.isInteger(user.id)) return user;
  const claims = tokenClaims(auth.session?.accessToken) ?? {};
  return { id: Number(claims.sub), name: claims.name ?? "You", avatar: claims.avatar ?? "", guest: true };
}

async function start() {
  let manifest;
  try {
    manifest = await requestJSON(window.fetch.bind(window), MANIFEST_URL);
  } catch (error) {
    showProblem(`The game could not be loaded. ${error.message}`);
    return;
  }
  const bench = benchOptions(window.location.search);
  let playing = false;
  const signedOut = () => {
    // Before the game starts, the sign-in screen is coming anyway.
    if (!playing) return;
    playing = false;
    forgetReconnection(localStorage);
    location.reload();
  };
  const auth = new Auth({
    fetch: window.fetch.bind(window),
    // The benchmark always starts a fresh guest.
    storage: bench ? memoryStorage() : localStorage,
    timers: window,
    locks: bench ? null : navigator.locks ?? null,
    onSignedOut: signedOut,
  });
  try {
    if (bench) {
      await auth.guest({ name: "bench", avatar: manifest.avatars[0].name });
    } else if (!auth.signedIn || !(await stillSignedIn(auth))) {
      await signIn(auth, manifest, localStorage);
      // A reconnection token from another sign-in is not this user's.
      forgetReconnection(localStorage);
    }
  } catch (error) {
    showProblem(`Could not sign in. ${error.message}`);
    return;
  }
  auth.keepFresh();
  playing = true;
  document.getElementById("loading").hidden = false;

  const game = new Phaser.Game({
    type: Phaser.AUTO,
    parent: "game",
    pixelArt: true,
    backgroundColor: "#1d2330",
    scale: { mode: Phaser.Scale.RESIZE, width: window.innerWidth, height: window.innerHeight },
    input: { activePointers: 3 },
    scene: [],
  });
  const world = () => game.scene.getScene("world");

  let chat = null;
  let agents = null;
  let panel = null;
  // What the chat sheet covers; it may say so before the scene exists.
  let chatCover = 0;
  if (!bench) {
    const self = selfOf(auth);
    const state = new ChatState(self);
    const send = (message) => world()?.send(message) ?? false;
    chat = new ChatClient({
      state,
      api: (url, options) => auth.authorizedJSON(url, options),
      send,
      onChange: () => panel?.render(),
      timers: window,
    });
    agents = new AgentChat({ state, client: chat, send, onOpened: (key, focus) => panel?.reveal(focus) });
    const signOut = async () => {
      playing = false;
      world()?.leave();
      await auth.logout();
      forgetReconnection(localStorage);
      location.reload();
    };
    panel = new ChatPanel({
      state, client: chat, user: self, storage: localStorage,
      phoneQuery: window.matchMedia(PHONE_QUERY), onSignOut: signOut, agents,
      onCover: (pixels) => {
        chatCover = pixels;
        world()?.setCovered(pixels);
      },
    });
    chat.loadSessions();
  }

  // ?map=cafe.tmj asks to join that map (unless a held avatar is resumed).
  const wanted = new URLSearchParams(window.location.search).get("map");
  game.scene.add("world", WorldScene, true, {
    auth, manifest, bench, chat, agents, cover: chatCover,
    join: wanted ? { map: wanted } : {},
    // A map the server does not have would be refused again: try the
    // page without it.
    onRetry: (code) => {
      if (code === "unknown_map" && wanted) window.location.assign(window.location.pathname);
      else window.location.reload();
    },
    onSignedOut: () => {
      auth.forget();
      signedOut();
    },
    onAvatarClicked: (entity) => {
      // An agent (entity.agent): a conversation with it (the server
      // answers that it is too far when it is).
      if (entity.agent) {
        agents?.talk(entity.agent.id, { focus: true });
        return;
      }
      if (panel !== null && entity.user !== null && entity.user !== auth.user?.id) {
        panel.openDirect({ id: entity.user, name: entity.name, avatar: entity.avatar });
      }
    },
  });
}

start();
