// The teacher's class: the live session (start, mark, summary, Done) and its roster.

import { api, loadClasses } from "../api.js";
import { $, ask, counts, element, plural, showError, STATUS_LABELS, time } from "../dom.js";
import { send } from "../live.js";
import { state } from "../state.js";
import { route, show } from "../views.js";
import { resetClassImport } from "./class-import.js";
import { loadHistory } from "./history.js";
import { passwordLinkButton } from "./password-link.js";

// The class being opened: a second render while its details load (the teacher's own new
// class is announced by CLASS_JOINED at once) waits for that opening instead of opening it
// again, which would empty the search box the teacher may have started typing in.
let opening = null;

export async function showClass(classId) {
  if ($("class-view").dataset.classId !== classId || $("class-view").hidden) {
    if (opening?.classId !== classId) opening = { classId, done: openClass(classId) };
    const current = opening;
    try {
      await current.done;
    } finally {
      if (opening === current) opening = null;
    }
  }
  renderSession(classId);
}

async function openClass(classId) {
  const details = await api("GET", `/class/${classId}`);
  state.roster = new Map(details.students.map((s) => [s.id, s]));
  $("class-view").dataset.classId = classId;
  $("class-title").textContent = details.className;
  $("rename-input").value = details.className;
  $("report-link").href = `#/class/${classId}/report`;
  for (const id of ["session-error", "add-error", "options-error", "summary", "class-invite-result"]) $(id).textContent = "";
  $("student-search").value = "";
  $("student-results").replaceChildren();
  resetClassImport();
  show("class-view");
  await loadHistory(classId);
}

// The class's students read again (an import enrolled some).
export async function reloadRoster(classId) {
  const details = await api("GET", `/class/${classId}`);
  state.roster = new Map(details.students.map((s) => [s.id, s]));
  renderSession(classId);
}

export function renderSession(classId) {
  const cls = state.live.get(classId);
  const session = cls?.session;
  $("private-marks").checked = Boolean(cls?.privateMarks);
  const statuses = cls?.statuses ?? ["present", "absent"];
  $("allow-late").checked = statuses.includes("late");
  $("allow-excused").checked = statuses.includes("excused");
  $("archived-note").hidden = !cls?.archived;
  $("start-session").disabled = Boolean(cls?.archived);
  $("archive").textContent = cls?.archived ? "Unarchive this class" : "Archive this class";
  $("show-summary").hidden = $("done").hidden = $("check-in-link").hidden = !session;
  $("check-in-link").href = `#/class/${classId}/check-in`;
  $("check-in-link").textContent = session?.checkInOpen ? "Show check-in code" : "Self check-in";
  $("start-session").textContent = session ? "Start a new session" : "Start attendance";
  $("start-session").className = session ? "secondary" : "";
  if (session) {
    const marked = session.marks.size;
    $("session-status").textContent = `Live since ${time(session.startedAt)}: ${marked} of ${state.roster.size} marked.`;
    $("summary").textContent = cls.summary ? `Summary: ${counts(cls.summary)}` : "";
  } else if (cls?.final) {
    $("session-status").textContent = "No live session. The last one was saved.";
    $("summary").textContent = `Attendance saved: ${counts(cls.final)}`;
  } else {
    $("session-status").textContent = "No live session.";
  }
  $("mark-column").hidden = !session; // marks exist only while a session is live
  $("roster").replaceChildren(...[...state.roster.values()].map((student) => rosterRow(classId, student, session, cls?.final, statuses)));
  if (!state.roster.size) $("roster").append(element("tr", {}, element("td", { colSpan: 3, textContent: "No students yet: add some below." })));
}

// With no live session, a student's status in the newest finished session: from the history
// (as corrected), or from the session that just ended while the history is read again.
function lastRecord(classId, studentId, final) {
  const last = state.lastSessions.get(classId);
  if (last && (!final || last.startedAt >= final.startedAt)) {
    const record = last.attendance.find((r) => r.studentId === studentId);
    return { startedAt: last.startedAt, status: record?.status, corrected: record?.corrected };
  }
  if (final) return { startedAt: final.startedAt, status: final.marks.get(studentId)?.status ?? "absent" };
  return null;
}

function statusCell(classId, student, session, final) {
  const status = element("span");
  status.dataset.statusOf = student.id;
  if (session) {
    const mark = session.marks.get(student.id);
    status.textContent = mark ? (mark.checkedIn ? `${mark.status} (checked in)` : mark.status) : "not yet marked";
    status.className = `status-${mark ? mark.status : "none"}`;
    return status;
  }
  const last = lastRecord(classId, student.id, final);
  if (!last) {
    status.textContent = "no session yet";
    status.className = "status-none";
    return status;
  }
  const shown = last.status ? `${last.status}${last.corrected ? " (corrected)" : ""}` : "not in it";
  status.textContent = `Last session, ${new Date(last.startedAt).toLocaleDateString()}: ${shown}`;
  status.className = `status-${last.status ?? "none"}`;
  return status;
}

function rosterRow(classId, student, session, final, statuses) {
  const mark = session?.marks.get(student.id);
  const status = statusCell(classId, student, session, final);
  const actions = element("div", { className: "mark" });
  if (session) {
    for (const choice of statuses) {
      const button = element("button", { type: "button", className: choice, textContent: STATUS_LABELS[choice] });
      button.setAttribute("aria-label", `Mark ${student.name} ${choice}`);
      button.setAttribute("aria-pressed", String(mark?.status === choice && !mark.checkedIn));
      button.onclick = () => send("ATTENDANCE_MARKED", { classId, studentId: student.id, status: choice }, "session-error");
      actions.append(button);
    }
  }
  const remove = element("button", { type: "button", className: "remove", textContent: "Remove" });
  remove.setAttribute("aria-label", `Remove ${student.name} from the class`);
  remove.onclick = () => removeStudent(classId, student);
  const link = passwordLinkButton(student, `/class/${classId}/students/${student.id}/password-link`, "session-error", "link-button");
  const name = element("td", { className: "name" }, element("span", { className: "name-text", textContent: student.name }), remove, link);
  return element("tr", {}, name, element("td", {}, status), session ? element("td", {}, actions) : "");
}

async function removeStudent(classId, student) {
  if (!(await ask(`Remove ${student.name} from the class? Their past records are kept.`, "Remove"))) return;
  try {
    await api("DELETE", `/class/${classId}/students/${student.id}`);
    state.roster.delete(student.id);
    await loadClasses();
    renderSession(classId);
  } catch (error) {
    showError("session-error", error);
  }
}

async function startAttendance() {
  const classId = route().id;
  const button = $("start-session");
  if (state.live.get(classId)?.session) {
    const replace = await ask("A session is live. Start a new one? Its marks will be lost.", "Start a new session");
    if (!replace) return;
  }
  button.disabled = true;
  showError("session-error", null);
  try {
    await api("POST", "/attendance/start", { classId });
  } catch (error) {
    showError("session-error", error);
  } finally {
    button.disabled = false;
  }
}

async function finishAttendance() {
  const classId = route().id;
  const unmarked = state.roster.size - (state.live.get(classId)?.session?.marks.size ?? 0);
  const question = unmarked
    ? `Close the session? ${plural(unmarked, "unmarked student")} will be saved as absent.`
    : "Close the session and save it?";
  if (await ask(question, "Done: save attendance")) send("DONE", { classId }, "session-error");
}

export function initClass() {
  document.addEventListener("history-loaded", ({ detail: classId }) => {
    if (!$("class-view").hidden && route().id === classId) renderSession(classId);
  });
  $("start-session").onclick = startAttendance;
  $("show-summary").onclick = () => send("TODAY_SUMMARY", { classId: route().id }, "session-error");
  $("done").onclick = finishAttendance;
}
