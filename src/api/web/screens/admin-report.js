// The administration's Report tab (#/admin/report): every class of the school, archived ones
// marked, with its teacher, size, sessions held and attendance rate, for a period; and its CSV.

import { api, download } from "../api.js";
import { $, element, onSubmit, percent, plural, showError } from "../dom.js";

function reportQuery() {
  const params = new URLSearchParams();
  if ($("school-report-from").value) params.set("from", $("school-report-from").value);
  if ($("school-report-to").value) params.set("to", $("school-report-to").value);
  const query = params.toString();
  return query ? `?${query}` : "";
}

// Checked here, before asking: the API would answer its bare "Invalid request schema".
function checkPeriod() {
  const from = $("school-report-from").value, to = $("school-report-to").value;
  if (from && to && from > to) throw new Error("From must be on or before To.");
}

function classCell(line) {
  const cell = element("td", { className: "name", textContent: line.className });
  if (line.archived) cell.append(" ", element("span", { className: "status-none", textContent: "(archived)" }));
  return cell;
}

async function loadSchoolReport() {
  $("school-report-rows").replaceChildren();
  $("school-report-summary").textContent = "";
  checkPeriod();
  const report = await api("GET", `/admin/report${reportQuery()}`);
  const sessions = report.classes.reduce((sum, line) => sum + line.sessionsHeld, 0);
  $("school-report-summary").textContent = `${plural(report.classes.length, "class", "classes")}, ${plural(sessions, "session")} held`;
  $("school-report-rows").replaceChildren(...report.classes.map((line) => element("tr", {},
    classCell(line),
    element("td", { textContent: line.teacherName }),
    element("td", { textContent: String(line.students) }),
    element("td", { textContent: String(line.sessionsHeld) }),
    element("td", { textContent: percent(line.rate) }))));
}

export async function showSchoolReport() {
  try {
    await loadSchoolReport();
    showError(document.querySelector('[data-error-for="school-report-form"]'), null);
  } catch (error) {
    showError(document.querySelector('[data-error-for="school-report-form"]'), error);
  }
}

export function initSchoolReport() {
  onSubmit("school-report-form", loadSchoolReport);
  $("download-school-report").onclick = async () => {
    showError("school-report-download-error", null);
    try {
      checkPeriod();
      await download(`/admin/report.csv${reportQuery()}`, "school-report.csv");
    } catch (error) {
      showError("school-report-download-error", error);
    }
  };
}
