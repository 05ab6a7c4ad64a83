// Whether keys pressed now are meant for a text field rather than the
// game: the chat input, the sign-in form, anything editable.

export function isTextField(element) {
  if (element === null || element === undefined) return false;
  const tag = element.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable === true;
}
