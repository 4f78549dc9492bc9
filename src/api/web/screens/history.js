// The class's History panel: its finished sessions, each student's status with a form to
// correct it, and the corrections' audit trail.

import { api } from "../api.js";
import { $, counts, element, showError, STATUS_LABELS, time } from "../dom.js";
import { state } from "../state.js";

export async function loadHistory(classId) {
  const [sessions, trail] = await Promise.all([
    api("GET", `/class/${classId}/attendance`),
    api("GET", `/class/${classId}/corrections`),
  ]);
  state.lastSessions.set(classId, sessions[0] ?? null);
  const statuses = state.live.get(classId)?.statuses ?? ["present", "absent"];
  const opened = new Set([...$("class-history").querySelectorAll("details[open]")].map((d) => d.dataset.sessionId));
  const items = sessions.map((s) => {
    const rows = s.attendance.map((record) => correctionRow(classId, s.id, record, statuses));
    const when = `${new Date(s.startedAt).toLocaleDateString()} ${time(s.startedAt)}–${time(s.endedAt)}`;
    const details = element("details", {}, element("summary", { textContent: `${when}: ${counts(s)}` }), element("ul", {}, ...rows));
    details.dataset.sessionId = s.id;
    details.open = opened.has(s.id);
    return element("li", {}, details);
  });
  $("class-history").replaceChildren(...items);
  if (!items.length) $("class-history").append(element("li", { textContent: "No finished sessions yet." }));
  $("corrections-title").textContent = `Corrections (${trail.length})`;
  $("corrections-list").replaceChildren(...trail.map((c) => {
    const name = state.roster.get(c.studentId)?.name ?? c.studentId;
    const note = c.note ? `: “${c.note}”` : "";
    return element("li", { textContent: `${new Date(c.correctedAt).toLocaleString()}: ${name}, ${c.fromStatus} → ${c.toStatus}${note}` });
  }));
  document.dispatchEvent(new CustomEvent("history-loaded", { detail: classId }));
}

function correctionRow(classId, sessionId, record, statuses) {
  const name = state.roster.get(record.studentId)?.name ?? "(removed student)";
  const status = element("span", { className: `status-${record.status}`, textContent: record.status });
  const marker = record.corrected ? element("span", { className: "corrected", textContent: "(corrected)" }) : "";
  const choice = element("select", {}, ...statuses.map((value) => element("option", { value, textContent: STATUS_LABELS[value], selected: value === record.status })));
  choice.setAttribute("aria-label", `New status for ${name}`);
  const note = element("input", { placeholder: "Note (optional)", maxLength: 500 });
  note.setAttribute("aria-label", `Note for ${name}`);
  const save = element("button", { type: "button", className: "secondary", textContent: "Correct" });
  save.setAttribute("aria-label", `Correct ${name}'s status`);
  const error = element("p", { className: "error" });
  error.setAttribute("role", "alert");
  save.onclick = async () => {
    save.disabled = true;
    try {
      await api("POST", `/class/${classId}/attendance/${sessionId}/corrections`, { studentId: record.studentId, status: choice.value, note: note.value.trim() || null });
      await loadHistory(classId);
    } catch (failure) {
      showError(error, failure);
      save.disabled = false;
    }
  };
  return element("li", {}, element("span", { className: "name", textContent: `${name}: ` }), status, marker, choice, note, save, error);
}
