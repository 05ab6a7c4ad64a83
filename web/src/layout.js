// Which layout the page is in, as CSS media queries, so the script and
// the style sheet (style.css) agree on it.

// A phone, or any narrow window: panels become sheets over the bottom of
// the game instead of columns beside it.
export const PHONE_QUERY = "(max-width: 700px), (pointer: coarse)";

// A screen driven by touch, where nobody presses E.
export const TOUCH_QUERY = "(pointer: coarse)";
