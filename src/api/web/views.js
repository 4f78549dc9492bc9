// Which screen is shown, and what the address (#/...) asks for.

import { $ } from "./dom.js";
import { state } from "./state.js";

const VIEWS = ["auth-view", "forgot-password-view", "set-password-view", "profile-view", "admin-view", "teacher-view", "class-view", "report-view", "check-in-view", "student-view", "student-check-in-view"];

export function show(viewId) {
  for (const id of VIEWS) $(id).hidden = id !== viewId;
  clearInterval(state.checkInTimer);
}

export function route() {
  const [, first, id, second, code] = location.hash.split("/");
  return { first: first || "", id, second, code };
}
