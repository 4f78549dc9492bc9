// The profile page (#/profile), for every role: one's name, and one's password given the
// current one. A new password signs the account out everywhere else; this browser is given a
// new token, and its live socket (closed by the change) is opened again with it.

import { api } from "../api.js";
import { $, formData, onSubmit } from "../dom.js";
import { connect, disconnect } from "../live.js";
import { state } from "../state.js";
import { show } from "../views.js";

// `renamed()` redraws what shows the user's name (the header).
export function initProfile(renamed) {
  onSubmit("profile-name-form", async (form) => {
    $("profile-name-done").textContent = "";
    state.me = await api("PATCH", "/auth/me", { name: formData(form).name });
    renamed();
    $("profile-name-done").textContent = "Your name is saved.";
  });

  onSubmit("profile-password-form", async (form) => {
    const { currentPassword, newPassword, confirm } = formData(form);
    $("profile-password-done").textContent = "";
    if (newPassword !== confirm) throw new Error("The two new passwords are not the same.");
    const live = Boolean(state.socket);
    disconnect(); // the change closes it: this tab does not take that for being signed out
    try {
      const { token } = await api("POST", "/auth/me/password", { currentPassword, newPassword });
      state.token = token;
      localStorage.setItem("token", token);
      form.reset();
      $("profile-password-done").textContent = "Your password is changed. Other browsers and devices are signed out.";
    } finally {
      if (live && state.token) connect(); // with the new token, or the old one if refused
    }
  });
}

export function showProfile() {
  $("profile-account").textContent = `Signed in as ${state.me.email} (${state.me.role}).`;
  $("profile-name").value = state.me.name;
  $("profile-name-done").textContent = "";
  $("profile-password-done").textContent = "";
  show("profile-view");
}
