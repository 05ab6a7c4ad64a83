// The website panel: how the frame is sandboxed, and the panel opening,
// closing and reporting what it covers.
import { test } from "node:test";
import assert from "node:assert/strict";

import { WebsitePanel, frameAttributes } from "../src/websitepanel.js";
import { fakePage } from "./fakes/page.js";

const PAGE = "https://ark.example.org/?map=town.tmj";

test("another site keeps its own origin, but may not navigate ark's page", () => {
  const { label, attributes } = frameAttributes({ url: "https://example.org/menu/", policy: "fullscreen" }, PAGE);
  assert.equal(label, "example.org/menu");
  assert.deepEqual(attributes, {
    sandbox: "allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-same-origin",
    allow: "fullscreen",
    referrerpolicy: "strict-origin-when-cross-origin",
    title: "Website: example.org/menu",
    src: "https://example.org/menu/",
  });
  assert.doesNotMatch(attributes.sandbox, /top-navigation/);
});

test("a map's own page runs in an opaque origin, never ark's", () => {
  for (const url of ["/maps/floor1/menu.html", "https://ark.example.org/maps/menu.html"]) {
    const { label, attributes } = frameAttributes({ url, policy: "" }, PAGE);
    assert.equal(attributes.sandbox, "allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox", url);
    assert.match(label, /^\/maps\//);
  }
  assert.equal(frameAttributes({ url: "/maps/a.html" }, PAGE).attributes.src, "https://ark.example.org/maps/a.html");
  // Another port is another origin.
  assert.match(frameAttributes({ url: "https://ark.example.org:8443/x" }, PAGE).attributes.sandbox, /allow-same-origin/);
});

function panel() {
  const page = fakePage(["website", "website-title", "website-frame", "website-close"]);
  page.elements.get("website").hidden = true;
  const events = [];
  const view = { location: { href: PAGE }, dispatchEvent: (event) => events.push(event.type) };
  const phoneQuery = { matches: false, addEventListener: () => {} };
  const closed = [];
  const covers = [];
  const websites = new WebsitePanel({ page, view, phoneQuery, onClose: () => closed.push(true), onCover: (px) => covers.push(px) });
  return { websites, page, events, phoneQuery, closed, covers };
}

test("opening puts the sandboxed frame in the panel at the map's width; closing takes it away", () => {
  const { websites, page, events, closed, covers } = panel();
  websites.open({ url: "https://example.org/", width: 40, policy: "camera", closable: true });
  const root = page.elements.get("website");
  const [frame] = page.elements.get("website-frame").children;
  assert.equal(frame.tagName, "IFRAME");
  assert.deepEqual([...frame.attributes.keys()], ["sandbox", "allow", "referrerpolicy", "title", "src"]);
  assert.equal(frame.getAttribute("src"), "https://example.org/");
  assert.equal(page.elements.get("website-title").textContent, "example.org");
  assert.equal(root.hidden, false);
  assert.equal(page.body.classList.contains("website-open"), true);
  assert.equal(page.properties.get("--website-width"), "40vw");
  assert.equal(page.elements.get("website-close").hidden, false);
  assert.deepEqual(events, ["resize"]);
  assert.deepEqual(covers, [0]);

  page.elements.get("website-close").click();
  assert.deepEqual(closed, [true]);
  websites.close();
  assert.equal(root.hidden, true);
  assert.deepEqual(page.elements.get("website-frame").children, []);
  assert.equal(page.body.classList.contains("website-open"), false);
  assert.deepEqual(events, ["resize", "resize"]);
});

test("a panel the map keeps open has no close button, and the page's width by default", () => {
  const { websites, page } = panel();
  websites.open({ url: "https://example.org/", width: 40, policy: "", closable: true });
  websites.open({ url: "/maps/menu.html", width: null, policy: "", closable: false });
  assert.equal(page.elements.get("website-close").hidden, true);
  assert.equal(page.properties.has("--website-width"), false);
  assert.equal(page.elements.get("website-frame").children.length, 1);
});

test("on a phone the panel reports how much of the game it covers", () => {
  const { websites, page, phoneQuery, covers } = panel();
  phoneQuery.matches = true;
  page.elements.get("website").height = 420;
  websites.open({ url: "https://example.org/", width: null, policy: "", closable: true });
  websites.close();
  assert.deepEqual(covers, [420, 0]);
});
