// The first-visit screen: a name and an avatar to enter as a guest, or a
// username and password ("I have an account") to log in or register.
// The name and avatar chosen are remembered for the next time the screen
// shows (after signing out, say). Resolves with the signed-in user.

const PROFILE_KEY = "ark.profile";

function storedProfile(storage) {
  try {
    const profile = JSON.parse(storage.getItem(PROFILE_KEY));
    if (profile && typeof profile.name === "string" && typeof profile.avatar === "string") return profile;
  } catch (error) {
    // Unreadable: start blank.
  }
  return null;
}

function avatarChoices(container, manifest, chosen) {
  container.replaceChildren();
  const known = manifest.avatars.some((avatar) => avatar.name === chosen);
  manifest.avatars.forEach((avatar, index) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "avatar";
    input.value = avatar.name;
    input.checked = known ? avatar.name === chosen : index === 0;
    const picture = document.createElement("span");
    picture.style.backgroundImage = `url(/assets/avatars/${avatar.file})`;
    const caption = document.createElement("small");
    caption.textContent = avatar.label;
    label.append(input, picture, caption);
    container.append(label);
  });
}

export function signIn(auth, manifest, storage) {
  const screen = document.getElementById("profile");
  const guestForm = document.getElementById("guest-form");
  const accountForm = document.getElementById("account-form");
  const nameInput = document.getElementById("profile-name");
  const username = document.getElementById("account-username");
  const password = document.getElementById("account-password");
  const register = document.getElementById("account-register");
  const errorLine = document.getElementById("profile-error");
  const buttons = screen.querySelectorAll("button");

  const remembered = storedProfile(storage);
  nameInput.value = remembered?.name ?? "";
  avatarChoices(document.getElementById("profile-avatars"), manifest, remembered?.avatar);
  document.getElementById("loading").hidden = true;
  screen.hidden = false;
  nameInput.focus();

  const profile = () => ({
    name: nameInput.value.trim(),
    avatar: new FormData(guestForm).get("avatar") ?? manifest.avatars[0].name,
  });
  const showError = (message) => {
    errorLine.textContent = message;
    errorLine.hidden = message === "";
  };

  return new Promise((resolve) => {
    // One attempt at a time; the server's message on failure.
    const attempt = async (request) => {
      showError("");
      buttons.forEach((button) => { button.disabled = true; });
      try {
        const user = await request();
        if (profile().name) storage.setItem(PROFILE_KEY, JSON.stringify(profile()));
        screen.hidden = true;
        resolve(user);
      } catch (error) {
        showError(error.message || "Signing in failed. Please try again.");
      } finally {
        buttons.forEach((button) => { button.disabled = false; });
      }
    };

    guestForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const { name, avatar } = profile();
      if (!name) {
        showError("Please choose a name.");
        nameInput.focus();
        return;
      }
      attempt(() => auth.guest({ name, avatar }));
    });

    accountForm.addEventListener("submit", (event) => {
      event.preventDefault();
      attempt(() => auth.login({ username: username.value.trim(), password: password.value }));
    });

    register.addEventListener("click", () => {
      if (!accountForm.reportValidity()) return;
      const { name, avatar } = profile();
      const chosen = username.value.trim();
      // Without a display name, the account goes by its username.
      attempt(() => auth.register({ username: chosen, password: password.value, name: name || chosen, avatar }));
    });
  });
}
