// The website panel: the page a zone opens (`website.open`) in a frame
// in a column on the right of a desktop (its width the map's share of the
// screen) or over the bottom half of a phone (style.css), with the site's
// address and, unless the map says otherwise, a close button.
//
// The frame is sandboxed so that the page can run, keep its own cookies,
// submit forms and open pop-ups, but never navigate ark's page (no
// allow-top-navigation). A page served by ark itself (a map's own HTML,
// under /maps/) is same-origin with ark: allowed scripts and its origin
// together it could reach into ark's page (its storage, its tokens) and
// lift its own sandbox, so such a page runs without allow-same-origin, in
// an opaque origin of its own.

// What every framed page may do.
const SANDBOX = ["allow-scripts", "allow-forms", "allow-popups", "allow-popups-to-escape-sandbox"];

// The attributes of the frame for `site` (what effects.js keeps of a
// `website.open`: {url, policy}), given the page's own address, and the
// site's label for the panel's heading.
export function frameAttributes(site, pageUrl) {
  const page = new URL(pageUrl);
  const target = new URL(site.url, page);
  const sameOrigin = target.origin === page.origin;
  const label = describe(target, page);
  return {
    label,
    attributes: {
      sandbox: (sameOrigin ? SANDBOX : [...SANDBOX, "allow-same-origin"]).join(" "),
      allow: site.policy ?? "",
      referrerpolicy: "strict-origin-when-cross-origin",
      title: `Website: ${label}`,
      src: target.href,
    },
  };
}

// The site's address for the panel's title: its host and path, or the
// path alone for one of ark's own pages.
export function describe(target, page) {
  const shown = target.origin === page.origin ? target.pathname : `${target.host}${target.pathname}`;
  return shown.replace(/\/$/, "") || target.href;
}

export class WebsitePanel {
  // page: the document; view: the window (its location and resize);
  // phoneQuery: a MediaQueryList matching where the panel is a bottom
  // sheet; onClose(): the player closed it; onCover(pixels): how much of
  // the bottom of the game the panel hides.
  constructor({ page, view, phoneQuery, onClose, onCover }) {
    this.page = page;
    this.view = view;
    this.phoneQuery = phoneQuery;
    this.onCover = onCover;
    this.root = page.getElementById("website");
    this.title = page.getElementById("website-title");
    this.frame = page.getElementById("website-frame");
    this.closeButton = page.getElementById("website-close");
    this.closeButton.addEventListener("click", () => onClose());
    phoneQuery.addEventListener("change", () => this.reportCover());
  }

  // site: what effects.js keeps of a `website.open` ({url, width, policy,
  // closable}).
  open(site) {
    const { label, attributes } = frameAttributes(site, this.view.location.href);
    const frame = this.page.createElement("iframe");
    // In this order: the sandbox is set before the address, so the frame
    // never loads unsandboxed.
    for (const [name, value] of Object.entries(attributes)) frame.setAttribute(name, value);
    this.frame.replaceChildren(frame);
    this.title.textContent = label;
    this.closeButton.hidden = !site.closable;
    const width = this.page.documentElement.style;
    if (site.width === null) width.removeProperty("--website-width");
    else width.setProperty("--website-width", `${site.width}vw`);
    this.show(true);
  }

  close() {
    this.frame.replaceChildren();
    this.show(false);
  }

  show(open) {
    const wasOpen = !this.root.hidden;
    this.root.hidden = !open;
    this.page.body.classList.toggle("website-open", open);
    // The game's area changes with the column: let Phaser resize now.
    if (wasOpen !== open) this.view.dispatchEvent(new Event("resize"));
    this.reportCover();
  }

  reportCover() {
    const covering = !this.root.hidden && this.phoneQuery.matches;
    this.onCover(covering ? this.root.getBoundingClientRect().height : 0);
  }
}
