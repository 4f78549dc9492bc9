// The student's home: a card per class with its live session and their status, their last
// status, attendance rate and history.

import { api } from "../api.js";
import { $, counts, element, percent, plural, time } from "../dom.js";
import { state } from "../state.js";
import { show } from "../views.js";

// What a student's card shows from HTTP; the report covers all their classes, so it is read
// once for however many classes are loaded.
export async function loadPersisted(classIds) {
  if (!classIds.length) return;
  const report = await api("GET", "/me/report");
  await Promise.all(classIds.map(async (classId) => {
    const [mine, history] = await Promise.all([
      api("GET", `/class/${classId}/my-attendance`),
      api("GET", `/class/${classId}/my-history`),
    ]);
    state.persisted.set(classId, { mine, history, report: report.find((r) => r.classId === classId) });
  }));
}

export async function showStudentHome() {
  await loadPersisted([...state.classes.keys()].filter((id) => !state.persisted.has(id)));
  show("student-view");
  renderStudentHome();
}

export function renderStudentHome() {
  // A redraw (live news of any class) keeps the histories the student opened open.
  const opened = new Set([...$("student-classes").querySelectorAll("details[open]")].map((d) => d.dataset.classId));
  const items = [...state.classes.values()]
    .filter((classroom) => state.persisted.has(classroom.id))
    .map((classroom) => studentCard(classroom, state.persisted.get(classroom.id)));
  for (const details of items.flatMap((item) => [...item.querySelectorAll("details")])) {
    details.open = opened.has(details.dataset.classId);
  }
  $("student-classes").replaceChildren(...items);
  if (!items.length) $("student-classes").append(element("li", { textContent: "You are in no class yet: your teacher adds you." }));
}

function studentCard(classroom, { mine, history, report }) {
  if (classroom.removed) {
    const gone = element("p", { className: "live-line", textContent: "You were removed from this class." });
    gone.dataset.liveIn = classroom.id;
    return element("li", {}, element("h3", { textContent: classroom.className }), gone);
  }
  const cls = state.live.get(classroom.id);
  const session = cls?.session;
  const live = element("p", { className: "live-line" });
  live.dataset.liveIn = classroom.id;
  if (session) {
    const mark = session.marks.get(state.me.id);
    live.append(`Attendance started at ${time(session.startedAt)}. Your status: `,
      element("span", { className: `status-${mark ? mark.status : "none"}`, textContent: mark ? mark.status : "not yet marked" }));
  } else if (cls?.final) {
    live.append(`Attendance saved: ${counts(cls.final)}.`);
  } else {
    live.append("No live session.");
  }
  if (classroom.archived && !session) {
    live.replaceChildren("Archived by your teacher: read-only, no new sessions. Your record stays here.");
  }
  const heading = element("h3", { textContent: classroom.className });
  if (classroom.archived) heading.append(" ", element("span", { className: "corrected", textContent: "(archived)" }));
  const card = element("li", {}, heading, live);
  if (session?.checkInOpen && !session.marks.get(state.me.id)) {
    card.append(element("a", { className: "button", href: `#/check-in/${classroom.id}`, textContent: "Check in" }));
  }
  const last = element("p", {}, "Last session: ", element("span", { textContent: mine.status ?? "none yet" }));
  const rate = report && report.sessions ? element("p", { textContent: `Attendance rate: ${percent(report.rate)} over ${plural(report.sessions, "session")}` }) : "";
  const past = element("details", {}, element("summary", { textContent: `History (${history.length})` }),
    element("ul", {}, ...history.map((h) => element("li", { textContent: `${new Date(h.startedAt).toLocaleDateString()} ${time(h.startedAt)}: ${h.status}${h.corrected ? " (corrected)" : ""}` }))));
  past.dataset.classId = classroom.id;
  card.append(last, rate, past);
  return card;
}
