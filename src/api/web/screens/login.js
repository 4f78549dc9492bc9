// The login and sign-up screen, and logging out.

import { api } from "../api.js";
import { $, formData, onSubmit } from "../dom.js";
import { state } from "../state.js";
import { show } from "../views.js";

export function logOut() {
  localStorage.removeItem("token");
  const socket = state.socket;
  Object.assign(state, { token: null, me: null, socket: null, classes: new Map(), live: new Map(), persisted: new Map() });
  if (socket) socket.close();
  $("who").textContent = "";
  $("profile-link").hidden = true;
  $("logout").hidden = true;
  $("connection").hidden = true;
  show("auth-view");
}

// `signedIn(token)` is called with the token once the person has one.
export function initLogin(signedIn) {
  onSubmit("login-form", async (form) => {
    const { token } = await api("POST", "/auth/login", formData(form));
    await signedIn(token);
  });

  onSubmit("signup-form", async (form) => {
    const body = formData(form);
    await api("POST", "/auth/signup", body);
    const { token } = await api("POST", "/auth/login", { email: body.email, password: body.password });
    await signedIn(token);
  });

  $("logout").onclick = logOut;
}
