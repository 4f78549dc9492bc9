// "Forgot your password?" (#/forgot-password): the email is sent a link to choose a new
// password (screens/set-password.js opens it). The answer is the same whatever the email.

import { api } from "../api.js";
import { $, formData, onSubmit } from "../dom.js";
import { show } from "../views.js";

export function showForgotPassword() {
  $("forgot-password-sent").textContent = "";
  show("forgot-password-view");
}

export function initForgotPassword() {
  onSubmit("forgot-password-form", async (form) => {
    $("forgot-password-sent").textContent = "";
    const { message } = await api("POST", "/auth/password-reset", formData(form));
    $("forgot-password-sent").textContent = message;
  });
}
