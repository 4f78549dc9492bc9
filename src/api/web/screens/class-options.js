// The class's Add a student and Options panels: find and add students, rename, statuses,
// private marks, archive.

import { api, loadClasses } from "../api.js";
import { $, ask, element, formData, onSubmit, showError } from "../dom.js";
import { state } from "../state.js";
import { route } from "../views.js";
import { renderSession } from "./class.js";
import { loadHistory } from "./history.js";

let searchTimer = null;
function searchStudents() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const text = $("student-search").value.trim();
    const results = $("student-results");
    showError("add-error", null);
    if (!text) return results.replaceChildren();
    try {
      const found = await api("GET", `/students?search=${encodeURIComponent(text)}&limit=10`);
      const items = found.filter((s) => !state.roster.has(s.id)).map((student) => {
        const add = element("button", { type: "button", textContent: "Add" });
        add.setAttribute("aria-label", `Add ${student.name}`);
        add.onclick = () => addStudent(student);
        return element("li", {}, element("span", { className: "name", textContent: student.email ? `${student.name} (${student.email})` : student.name }), add);
      });
      results.replaceChildren(...items);
      if (!items.length) results.append(element("li", { textContent: "No student found." }));
    } catch (error) {
      showError("add-error", error);
    }
  }, 250);
}

async function addStudent(student) {
  const classId = route().id;
  try {
    await api("POST", `/class/${classId}/add-student`, { studentId: student.id });
    state.roster.set(student.id, student);
    await loadClasses();
    $("student-search").value = "";
    $("student-results").replaceChildren();
    renderSession(classId);
  } catch (error) {
    showError("add-error", error);
  }
}

async function changeClass(changes) {
  const classId = route().id;
  showError("options-error", null);
  try {
    const changed = await api("PATCH", `/class/${classId}`, changes);
    const cls = state.live.get(classId);
    if (cls) Object.assign(cls, { privateMarks: changed.privateMarks, statuses: changed.statuses, archived: changed.archived });
    $("class-title").textContent = changed.className;
    await loadClasses();
    renderSession(classId);
    await loadHistory(classId);
  } catch (error) {
    showError("options-error", error);
    renderSession(classId);
  }
}

function changeStatuses() {
  const extraStatuses = [$("allow-late"), $("allow-excused")].filter((box) => box.checked).map((box) => box.value);
  return changeClass({ extraStatuses });
}

// What PATCH /class/:id {"archived": true} does (docs/api.md).
const ARCHIVING = "Archive this class? It leaves your list of classes (“Show archived classes” "
  + "brings it back) and no new session can start in it. Its students keep read-only access to "
  + "their record: the class, its history and their attendance rate. Records are kept: you can "
  + "still correct statuses, see and download the report, and unarchive the class at any time.";

async function toggleArchived() {
  const archived = !state.live.get(route().id)?.archived;
  if (archived && !(await ask(ARCHIVING, "Archive"))) return;
  await changeClass({ archived });
}

export function initClassOptions() {
  $("student-search").oninput = searchStudents;
  onSubmit("rename-form", async (form) => {
    await changeClass({ className: formData(form).className.trim() });
  });
  $("private-marks").onchange = () => changeClass({ privateMarks: $("private-marks").checked });
  $("allow-late").onchange = changeStatuses;
  $("allow-excused").onchange = changeStatuses;
  $("archive").onclick = toggleArchived;
}
