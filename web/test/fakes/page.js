// A page of plain objects, enough for the panels: elements by id with
// attributes, children, text, classes, a hidden flag and listeners.

export class FakeElement {
  constructor(tag = "div", id = "") {
    this.tagName = tag.toUpperCase();
    this.id = id;
    this.hidden = false;
    this.textContent = "";
    this.className = "";
    this.attributes = new Map();
    this.children = [];
    this.listeners = new Map();
    this.height = 0;
    const classes = new Set();
    this.classList = {
      toggle: (name, on) => (on ? classes.add(name) : classes.delete(name)),
      contains: (name) => classes.has(name),
    };
  }

  setAttribute(name, value) {
    this.attributes.set(name, String(value));
  }

  getAttribute(name) {
    return this.attributes.get(name) ?? null;
  }

  removeAttribute(name) {
    this.attributes.delete(name);
  }

  append(...children) {
    this.children.push(...children);
  }

  replaceChildren(...children) {
    this.children = children;
  }

  addEventListener(type, listener) {
    this.listeners.set(type, listener);
  }

  click() {
    this.listeners.get("click")?.();
  }

  getBoundingClientRect() {
    return { height: this.height };
  }

  // Everything said in this element and those inside it, in order.
  get text() {
    return [this.textContent, ...this.children.map((child) => child.text)].filter(Boolean).join("\n");
  }
}

export function fakePage(ids) {
  const elements = new Map(ids.map((id) => [id, new FakeElement("div", id)]));
  const properties = new Map();
  return {
    elements,
    properties,
    body: new FakeElement("body"),
    documentElement: {
      style: {
        setProperty: (name, value) => properties.set(name, value),
        removeProperty: (name) => properties.delete(name),
      },
    },
    getElementById: (id) => elements.get(id) ?? null,
    createElement: (tag) => new FakeElement(tag),
  };
}
