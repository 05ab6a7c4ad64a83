// "About this map": what the card says, from what the map loader found.
import { test } from "node:test";
import assert from "node:assert/strict";

import { AboutPanel, SCRIPT_NOTE, aboutContent } from "../src/aboutpanel.js";
import { fakePage } from "./fakes/page.js";

const TOWN = {
  name: "Town",
  description: "A small town\nwith a café.",
  copyright: "CC-BY-SA 4.0 Ada",
  tilesetCopyrights: ["CC0 Kenney", "CC0 Kenney", "", 7, "CC-BY 3.0 Someone"],
  script: null,
};

test("the card's content: text only, repeated notices once, nothing when there is nothing", () => {
  assert.deepEqual(aboutContent(TOWN), {
    name: "Town",
    description: "A small town\nwith a café.",
    copyright: "CC-BY-SA 4.0 Ada",
    tilesetCopyrights: ["CC0 Kenney", "CC-BY 3.0 Someone"],
    script: false,
  });
  for (const nothing of [null, undefined, "Town", {}, { name: "  ", tilesetCopyrights: "CC0", script: "" },
    { name: 5, description: { html: "<b>x</b>" } }]) {
    assert.equal(aboutContent(nothing), null, JSON.stringify(nothing));
  }
  assert.deepEqual(aboutContent({ script: "script.js" }), {
    name: "", description: "", copyright: "", tilesetCopyrights: [], script: true,
  });
  assert.equal(aboutContent({ name: "x".repeat(5000) }).name.length, 2000);
});

function panel() {
  const page = fakePage(["about-toggle", "about", "about-body", "about-name", "about-close"]);
  page.elements.get("about-toggle").hidden = true;
  page.elements.get("about").hidden = true;
  return { about: new AboutPanel({ page }), page, element: (id) => page.elements.get(id) };
}

test("a map that tells of itself gets the button, and the card opens and closes", () => {
  const { about, element } = panel();
  about.show(TOWN);
  assert.equal(element("about-toggle").hidden, false);
  assert.equal(element("about").hidden, true);
  element("about-toggle").click();
  assert.equal(element("about").hidden, false);
  assert.equal(element("about-toggle").getAttribute("aria-expanded"), "true");
  assert.equal(element("about-name").textContent, "Town");
  assert.equal(element("about-body").text,
    ["A small town\nwith a café.", "Map: CC-BY-SA 4.0 Ada", "Tilesets", "CC0 Kenney", "CC-BY 3.0 Someone"].join("\n"));
  element("about-close").click();
  assert.equal(element("about").hidden, true);
  assert.equal(element("about-toggle").getAttribute("aria-expanded"), "false");
});

test("a map with a script is told to run without it", () => {
  const { about, element } = panel();
  about.show({ name: "Escape room", script: "src/main.ts" });
  element("about-toggle").click();
  assert.equal(element("about-body").text, SCRIPT_NOTE);
  assert.match(SCRIPT_NOTE, /do not run in ark/);
});

test("markup in a map's text stays text", () => {
  const { about, element } = panel();
  about.show({ name: "<img src=x onerror=alert(1)>", description: "<script>alert(1)</script>" });
  element("about-toggle").click();
  assert.equal(element("about-name").textContent, "<img src=x onerror=alert(1)>");
  const [description] = element("about-body").children;
  assert.equal(description.tagName, "P");
  assert.equal(description.textContent, "<script>alert(1)</script>");
  assert.deepEqual(description.children, []);
});

test("the next map replaces what the card says, and a map with nothing to say takes the button away", () => {
  const { about, element } = panel();
  about.show(TOWN);
  element("about-toggle").click();
  about.show({ name: "Beach" });
  assert.equal(element("about").hidden, false);
  assert.equal(element("about-name").textContent, "Beach");
  assert.equal(element("about-body").text, "");
  about.show({});
  assert.equal(element("about-toggle").hidden, true);
  assert.equal(element("about").hidden, true);
  // The button cannot open an empty card.
  element("about-toggle").click();
  assert.equal(element("about").hidden, true);
  about.show(TOWN);
  about.hide();
  assert.equal(element("about-toggle").hidden, true);
});
