// "About this map": a small button at the top left of the page that opens
// a card with what the map's makers wrote about it (its name, description
// and copyright, and the copyrights of its tilesets), and, when the map
// names a script, that map scripts do not run in ark.
//
// Its data is what the map loader makes of the map's properties:
// about = {name, description, copyright, tilesetCopyrights: [text],
// script: text or null}. Everything in it comes from the map file, so it
// is only ever set as text, never parsed as HTML.

// Longer than anything a map maker writes here; a map could say more.
const MAX_TEXT = 2000;
const MAX_TILESETS = 50;

const text = (value) => (typeof value === "string" ? value.trim().slice(0, MAX_TEXT) : "");

// What the card shows, from the loader's `about` (anything missing or of
// the wrong kind is left out); null when there is nothing to say.
export function aboutContent(about) {
  if (about === null || typeof about !== "object") return null;
  const tilesets = Array.isArray(about.tilesetCopyrights) ? about.tilesetCopyrights.map(text).filter(Boolean) : [];
  const content = {
    name: text(about.name),
    description: text(about.description),
    copyright: text(about.copyright),
    // The same notice on several tilesets is said once.
    tilesetCopyrights: [...new Set(tilesets)].slice(0, MAX_TILESETS),
    script: text(about.script) !== "",
  };
  const empty = !content.name && !content.description && !content.copyright
    && content.tilesetCopyrights.length === 0 && !content.script;
  return empty ? null : content;
}

export const SCRIPT_NOTE = "This map comes with a script (WorkAdventure's scripting API). Map scripts do not run in ark, "
  + "so whatever it adds to the map is missing here.";

export class AboutPanel {
  // page: the document (index.html's #about-toggle and #about).
  constructor({ page = document } = {}) {
    this.page = page;
    this.button = page.getElementById("about-toggle");
    this.panel = page.getElementById("about");
    this.body = page.getElementById("about-body");
    this.title = page.getElementById("about-name");
    this.content = null;
    this.button.addEventListener("click", () => this.toggle());
    page.getElementById("about-close").addEventListener("click", () => this.toggle(false));
  }

  // The map now shown is this one: the button is offered when the map
  // says something about itself, and an open card shows the new map's.
  show(about) {
    this.content = aboutContent(about);
    this.button.hidden = this.content === null;
    if (this.content === null) {
      this.toggle(false);
      return;
    }
    this.render();
  }

  // No map (or none to tell of): the button and the card go.
  hide() {
    this.show(null);
  }

  toggle(open = this.panel.hidden) {
    const showing = open && this.content !== null;
    this.panel.hidden = !showing;
    this.button.setAttribute("aria-expanded", String(showing));
  }

  render() {
    const { name, description, copyright, tilesetCopyrights, script } = this.content;
    const page = this.page;
    this.title.textContent = name || "About this map";
    const parts = [];
    const paragraph = (value, className) => {
      const element = page.createElement("p");
      element.className = className;
      element.textContent = value;
      parts.push(element);
    };
    if (description) paragraph(description, "about-description");
    if (copyright) paragraph(`Map: ${copyright}`, "about-copyright");
    if (tilesetCopyrights.length > 0) {
      const heading = page.createElement("h3");
      heading.textContent = "Tilesets";
      const list = page.createElement("ul");
      list.className = "about-tilesets";
      for (const notice of tilesetCopyrights) {
        const item = page.createElement("li");
        item.textContent = notice;
        list.append(item);
      }
      parts.push(heading, list);
    }
    if (script) paragraph(SCRIPT_NOTE, "about-script");
    this.body.replaceChildren(...parts);
  }
}
