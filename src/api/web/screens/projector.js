// The teacher's self check-in screen, for the projector: the code (new every 15 s), its QR
// code, and how many have checked in.

import { api } from "../api.js";
import { $, showError } from "../dom.js";
import { state } from "../state.js";
import { route, show } from "../views.js";

export async function showCheckIn(classId) {
  const classroom = state.classes.get(classId);
  $("check-in-title").textContent = `Check in to ${classroom ? classroom.className : "the class"}`;
  $("check-in-back").href = `#/class/${classId}`;
  $("check-in-address").textContent = "";
  $("check-in-warning").hidden = true;
  showError("check-in-error", null);
  show("check-in-view");
  let checkIn;
  try {
    checkIn = await api("POST", `/class/${classId}/check-in/open`);
  } catch (error) {
    return showError("check-in-error", error);
  }
  showAddress(checkIn.pageUrl);
  const showCode = (current) => {
    $("check-in-code").textContent = current.code ?? "—";
    $("check-in-qr").innerHTML = current.qrSvg ?? "";
    checkIn = current;
  };
  showCode(checkIn);
  renderCheckInCount(classId);
  state.checkInTimer = setInterval(async () => {
    const left = Math.max(0, Math.ceil((new Date(checkIn.validUntil) - Date.now()) / 1000));
    $("check-in-countdown").textContent = `New code in ${left} s`;
    renderCheckInCount(classId);
    if (left === 0) {
      try { showCode(await api("GET", `/class/${classId}/check-in`)); } catch (error) { showError("check-in-error", error); }
    }
  }, 1000);
}

// The links come from the server (PUBLIC_URL, or else the address the browser used).
function showAddress(pageUrl) {
  const address = new URL(pageUrl);
  $("check-in-address").textContent = pageUrl.replace(/^https?:\/\//, "");
  $("check-in-host").textContent = address.hostname;
  $("check-in-warning").hidden = !isLoopback(address.hostname);
}

// localhost, 127.x.x.x, ::1: an address that means "this computer" to whoever opens it.
function isLoopback(hostname) {
  const host = hostname.toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || /^127(\.\d+){3}$/.test(host) || host === "[::1]";
}

export function renderCheckInCount(classId) {
  const session = state.live.get(classId)?.session;
  if (!session) return ($("check-in-count").textContent = "The session has ended.");
  const marks = [...session.marks.values()];
  const checkedIn = marks.filter((m) => m.checkedIn).length;
  // "Here" is present or late (in the room), late counted apart; absent and excused are not.
  const late = marks.filter((m) => m.status === "late").length;
  const here = marks.filter((m) => m.status === "present").length + late;
  const total = state.classes.get(classId)?.studentIds.length ?? "?";
  $("check-in-count").textContent = `${checkedIn} checked in; ${here} of ${total} here${late ? ` (${late} late)` : ""}`;
}

async function closeCheckIn() {
  const classId = route().id;
  try {
    await api("POST", `/class/${classId}/check-in/close`);
    location.hash = `#/class/${classId}`;
  } catch (error) {
    showError("check-in-error", error);
  }
}

export function initProjector() {
  $("close-check-in").onclick = closeCheckIn;
}
