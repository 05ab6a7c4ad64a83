// The page: the first-visit screen (name and avatar, remembered), then the
// game. Everything that moves lives in scene.js and the modules it uses.

import Phaser from "phaser";

import { benchOptions } from "./bench.js";
import { WorldScene } from "./scene.js";

const PROFILE_KEY = "ark.profile";
const MANIFEST_URL = "/assets/avatars/avatars.json";

function storedProfile() {
  try {
    const profile = JSON.parse(localStorage.getItem(PROFILE_KEY));
    if (profile && typeof profile.name === "string" && typeof profile.avatar === "string") {
      return profile;
    }
  } catch (error) {
    // Unreadable: ask again.
  }
  return null;
}

function askProfile(manifest) {
  const form = document.getElementById("profile");
  const choices = document.getElementById("profile-avatars");
  choices.replaceChildren();
  manifest.avatars.forEach((avatar, index) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "avatar";
    input.value = avatar.name;
    input.checked = index === 0;
    const picture = document.createElement("span");
    picture.style.backgroundImage = `url(/assets/avatars/${avatar.file})`;
    const caption = document.createElement("small");
    caption.textContent = avatar.label;
    label.append(input, picture, caption);
    choices.append(label);
  });
  document.getElementById("loading").hidden = true;
  form.hidden = false;
  document.getElementById("profile-name").focus();
  return new Promise((resolve) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const name = document.getElementById("profile-name").value.trim();
      const avatar = new FormData(form).get("avatar");
      if (!name) return;
      const profile = { name, avatar };
      localStorage.setItem(PROFILE_KEY, JSON.stringify(profile));
      form.hidden = true;
      resolve(profile);
    });
  });
}

async function start() {
  const manifest = await (await fetch(MANIFEST_URL)).json();
  const known = new Set(manifest.avatars.map((avatar) => avatar.name));
  const bench = benchOptions(window.location.search);
  let profile = bench ? { name: "bench", avatar: manifest.avatars[0].name } : storedProfile();
  if (profile === null || !known.has(profile.avatar)) profile = await askProfile(manifest);
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
  // For the end-to-end tests and the benchmark page.
  window.ark = { game };
  game.scene.add("world", WorldScene, true, { profile, manifest, bench });
}

start();
