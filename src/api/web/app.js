// Live Attendance web client: plain JavaScript modules, no build step. It talks to the same
// API as any other client: the JSON envelope over HTTP (api.js), and the live protocol v2
// over /ws (live.js). What it shows comes from one state (state.js). Each screen is a module
// of screens/; this one starts the client and sends each address (#/...) to its screen.

import { api, apiHooks, loadClasses } from "./api.js";
import { $, notice } from "./dom.js";
import { connect, hooks, resync } from "./live.js";
import { state } from "./state.js";
import { route, show } from "./views.js";
import { renderSession, reloadRoster, showClass, initClass } from "./screens/class.js";
import { initClassImport } from "./screens/class-import.js";
import { initClassOptions } from "./screens/class-options.js";
import { initClassInvite } from "./screens/class-invite.js";
import { loadHistory } from "./screens/history.js";
import { initAdmin, showAdmin } from "./screens/admin.js";
import { initLogin, logOut } from "./screens/login.js";
import { initProfile, showProfile } from "./screens/profile.js";
import { initSetPassword, showSetPassword } from "./screens/set-password.js";
import { finishSignIn, loadSignInOptions, showSignInProblem } from "./screens/sign-in.js";
import { showInvitation } from "./screens/invitation.js";
import { initForgotPassword, showForgotPassword } from "./screens/forgot-password.js";
import { initPasswordLink } from "./screens/password-link.js";
import { initProjector, renderCheckInCount, showCheckIn } from "./screens/projector.js";
import { initReport, showReport } from "./screens/report.js";
import { initStudentCheckIn, showStudentCheckIn } from "./screens/check-in.js";
import { loadPersisted, renderStudentHome, showStudentHome } from "./screens/student.js";
import { initTeacherHome, showTeacherHome } from "./screens/teacher.js";

async function render() {
  const { first, id, second, code } = route();
  // A one-time link's page, signed in or not.
  if (first === "set-password" && id) return showSetPassword(id);
  if (first === "reset-password" && id) return showSetPassword(id, { title: "Choose a new password" });
  if (first === "invitation" && id) return showInvitation(id);
  // The return from a school's sign-in service: a one-time code, or why it did not work.
  if (first === "sign-in" && id) return finishSignIn(id, signedIn);
  if (first.startsWith("sign-in?")) return showSignInProblem(new URLSearchParams(first.split("?")[1]).get("error"));
  if (!state.me) return first === "forgot-password" ? showForgotPassword() : show("auth-view");
  if (first === "profile") return showProfile(); // every role's
  try {
    if (state.me.role === "admin") return await showAdmin(first === "admin" ? id : "people");
    if (state.me.role === "teacher") {
      if (first === "class" && id && second === "check-in") return await showCheckIn(id);
      if (first === "class" && id && second === "report") return await showReport(id);
      if (first === "class" && id) return await showClass(id);
      return showTeacherHome();
    }
    if (first === "check-in" && id) return showStudentCheckIn(id, second || code || "");
    return showStudentHome();
  } catch (error) {
    if (error.status !== 401) notice(error.message); // a 401 signed out already, saying why
  }
}

// Redraws what the live state shows on the current screen, without asking the server.
function refresh() {
  if (!state.me) return;
  const { id } = route();
  if (!$("teacher-view").hidden) showTeacherHome();
  else if (!$("class-view").hidden) renderSession(id);
  else if (!$("check-in-view").hidden) renderCheckInCount(id);
  else if (!$("student-view").hidden) renderStudentHome();
}

// A class's session ended: what was saved is read again.
function afterDone(classId) {
  if (state.me.role === "teacher") {
    if (!$("class-view").hidden && route().id === classId) loadHistory(classId);
  } else {
    loadPersisted([classId]).then(refresh);
  }
}

// The class was renamed, archived or changed: the titles that name it follow (the lists and
// the class's options are redrawn by refresh).
function afterUpdate(classId) {
  const classroom = state.classes.get(classId);
  if (!classroom || route().id !== classId) return;
  if (!$("class-view").hidden) {
    $("class-title").textContent = classroom.className;
    if (document.activeElement !== $("rename-input")) $("rename-input").value = classroom.className;
  } else if (!$("check-in-view").hidden) {
    $("check-in-title").textContent = `Check in to ${classroom.className}`;
  } else if (!$("student-check-in-view").hidden) {
    $("student-check-in-title").textContent = `Check in to ${classroom.className}`;
  }
}

// The student was taken off a class: its card says so, with no live status any more.
function afterLeft(classId) {
  const classroom = state.classes.get(classId);
  if (classroom) classroom.removed = true;
  refresh();
}

// A finished session's record was corrected: the student's last status and history entry
// (and the teacher's history, in another tab) show the new status at once, then what the
// server says (the attendance rate too).
function afterCorrection({ classId, sessionId, status }) {
  if (state.me.role === "teacher") {
    if (!$("class-view").hidden && route().id === classId) loadHistory(classId);
    return;
  }
  const persisted = state.persisted.get(classId);
  if (persisted) {
    const entry = persisted.history.find((h) => h.sessionId === sessionId);
    if (entry) Object.assign(entry, { status, corrected: true });
    if (persisted.history[0] === entry && entry) persisted.mine = { ...persisted.mine, status };
    refresh();
  }
  loadPersisted([classId]).then(refresh);
}

// A state came that the client did not ask for (it reconnected, or the server's event bus
// was away): corrections it may have missed are read again.
function afterRestate() {
  if (state.me.role === "teacher") {
    const { id } = route();
    if (!$("class-view").hidden && id) loadHistory(id);
  } else {
    const enrolled = [...state.classes.values()].filter((c) => !c.removed).map((c) => c.id);
    loadPersisted(enrolled).then(refresh);
  }
}

// Why the server signed this browser out (the live socket's close reason), in words.
const SIGNED_OUT_BECAUSE = {
  "Signed out: password changed": "You were signed out: your password was changed. Log in with the new one.",
  "Signed out: account deactivated": "You were signed out: your account was deactivated. Ask your school's administrator.",
  "Signed out: role changed": "You were signed out: your role was changed. Log in again.",
  "Signed out: account erased": "You were signed out: your account was erased at your school's request.",
};

// The server no longer takes the token (revoked, or expired): signed out, saying why.
function signedOut(reason) {
  if (!state.token) return;
  const stored = localStorage.getItem("token");
  if (stored && stored !== state.token) return location.reload(); // another tab's new one
  logOut();
  notice(SIGNED_OUT_BECAUSE[reason] || "You were signed out. Log in again.", true);
}

function showWho() {
  $("who").textContent = `${state.me.name} (${state.me.role})`;
}

async function start() {
  // The sign-in screen, a link's page, or the return from a provider (it brings a new token).
  if (!state.token || route().first.startsWith("sign-in")) return render();
  try {
    state.me = await api("GET", "/auth/me");
  } catch {
    return logOut();
  }
  showWho();
  $("profile-link").hidden = false;
  $("logout").hidden = false;
  if (state.me.role === "admin") return render(); // an admin is in no class: no live socket
  await loadClasses();
  connect();
  await render();
}

async function signedIn(token) {
  notice("");
  state.token = token;
  localStorage.setItem("token", token);
  await start();
}

hooks.changed = refresh;
hooks.ended = afterDone;
hooks.joined = (classId) => {
  state.persisted.delete(classId); // back in a class it had left: read its records afresh
  return loadClasses().then(resync).then(render); // the state of the new class follows
};
hooks.left = afterLeft;
hooks.updated = afterUpdate;
hooks.corrected = afterCorrection;
hooks.restated = afterRestate;
hooks.signedOut = signedOut;
apiHooks.unauthorized = () => signedOut("");
window.addEventListener("hashchange", render);
initLogin(signedIn);
loadSignInOptions();
initSetPassword();
initProfile(showWho);
initForgotPassword();
initPasswordLink();
initAdmin();
initTeacherHome();
initClass();
initClassOptions();
initClassInvite();
initClassImport(reloadRoster);
initReport();
initProjector();
initStudentCheckIn();

// For the browser's console and the browser tests: the state, and reconnecting at once.
Object.assign(window, { state, connect });

start();
