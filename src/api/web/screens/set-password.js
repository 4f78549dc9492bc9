// Choosing a password with a one-time link: a first one (#/set-password/<token>, the link a
// new administrator is given) or a new one (#/reset-password/<token>, a reset link, emailed
// or handed over). No sign-in is needed; afterwards the person signs in as usual.

import { api } from "../api.js";
import { $, formData, onSubmit } from "../dom.js";
import { show } from "../views.js";

const TITLES = { "set-password": "Choose your password", "reset-password": "Choose a new password" };

export function showSetPassword(token, purpose = "set-password") {
  const form = $("set-password-form");
  form.dataset.token = token;
  form.hidden = false;
  $("set-password-title").textContent = TITLES[purpose];
  $("set-password-done").hidden = true;
  show("set-password-view");
}

export function initSetPassword() {
  onSubmit("set-password-form", async (form) => {
    const { password, confirm } = formData(form);
    if (password !== confirm) throw new Error("The two passwords are not the same.");
    const user = await api("POST", "/auth/password", { token: form.dataset.token, password });
    form.reset();
    form.hidden = true;
    $("set-password-email").textContent = user.email;
    $("set-password-done").hidden = false;
    history.replaceState(null, "", location.pathname); // the token leaves the address bar
  });
}
