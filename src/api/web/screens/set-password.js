// Choosing a password with a one-time link: a first one (#/set-password/<token>, the link a
// new administrator is given; the invitation page, invitation.js, shows it too, with what the
// invitation is for) or a new one (#/reset-password/<token>, a reset link, emailed or handed
// over). No sign-in is needed; afterwards the person signs in as usual.

import { api } from "../api.js";
import { $, formData, onSubmit } from "../dom.js";
import { show } from "../views.js";

const FORGET_TOKEN = () => history.replaceState(null, "", location.pathname); // out of the address bar

// `page`: a title, an intro above the form, or a problem with the link (then no form), or
// `signInInstead`: no password here (PASSWORD_LOGIN=admins), the school's sign-in instead.
export function showSetPassword(token, page = {}) {
  const form = $("set-password-form");
  form.dataset.token = token;
  form.hidden = Boolean(page.problem || page.signInInstead);
  $("set-password-sso").hidden = !page.signInInstead;
  $("set-password-title").textContent = page.title ?? "Choose your password";
  for (const [id, text] of [["set-password-intro", page.intro], ["set-password-problem", page.problem]]) {
    $(id).textContent = text ?? "";
    $(id).hidden = !text;
  }
  $("set-password-done").hidden = true;
  show("set-password-view");
  if (page.problem || page.signInInstead) FORGET_TOKEN();
}

export function initSetPassword() {
  onSubmit("set-password-form", async (form) => {
    const { password, confirm } = formData(form);
    if (password !== confirm) throw new Error("The two passwords are not the same.");
    const user = await api("POST", "/auth/password", { token: form.dataset.token, password });
    form.reset();
    form.hidden = true;
    $("set-password-intro").hidden = true;
    $("set-password-email").textContent = user.email;
    $("login-email").value = user.email; // the sign-in form, next
    $("set-password-done").hidden = false;
    FORGET_TOKEN();
  });
}
