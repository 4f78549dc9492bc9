// The class's report: counts and attendance rate per student for a period, a chart of the
// rates, and the CSV downloads.

import { api, download } from "../api.js";
import { $, element, onSubmit, percent, plural, showError } from "../dom.js";
import { route, show } from "../views.js";

export async function showReport(classId) {
  $("report-back").href = `#/class/${classId}`;
  $("report-form").dataset.classId = classId;
  show("report-view");
  await loadReport(classId);
}

function reportQuery() {
  const params = new URLSearchParams();
  if ($("report-from").value) params.set("from", $("report-from").value);
  if ($("report-to").value) params.set("to", $("report-to").value);
  const query = params.toString();
  return query ? `?${query}` : "";
}

function clearReport() {
  $("report-held").textContent = "";
  $("report-rows").replaceChildren();
  $("report-chart").replaceChildren($("report-chart").querySelector("title"));
}

async function loadReport(classId) {
  const from = $("report-from").value, to = $("report-to").value;
  if (from && to && from > to) {
    clearReport();
    throw new Error("From must be on or before To.");
  }
  let report;
  try {
    report = await api("GET", `/class/${classId}/report${reportQuery()}`);
  } catch (error) {
    clearReport(); // not the figures of another period
    throw error;
  }
  $("report-title").textContent = `Report: ${report.className}`;
  $("report-held").textContent = `${plural(report.sessionsHeld, "session")} held`;
  $("report-rows").replaceChildren(...report.students.map((row) => element("tr", {},
    element("td", { className: "name", textContent: row.name }),
    ...[row.sessions, row.present, row.absent, row.late, row.excused].map((n) => element("td", { textContent: String(n) })),
    element("td", { textContent: percent(row.rate) }))));
  drawChart(report.students);
}

function drawChart(students) {
  const svg = $("report-chart");
  const ns = "http://www.w3.org/2000/svg";
  const shape = (tag, attributes, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const rowHeight = 26, labelWidth = 160, barWidth = 360, height = Math.max(1, students.length) * rowHeight + 8;
  svg.setAttribute("viewBox", `0 0 ${labelWidth + barWidth + 60} ${height}`);
  svg.replaceChildren(svg.querySelector("title"));
  students.forEach((row, index) => {
    const y = 4 + index * rowHeight;
    const name = row.name.length > 22 ? `${row.name.slice(0, 21)}…` : row.name;
    svg.append(shape("text", { x: 0, y: y + 16 }, name));
    svg.append(shape("rect", { class: "track", x: labelWidth, y: y + 4, width: barWidth, height: 16, rx: 3 }));
    svg.append(shape("rect", { class: "bar", x: labelWidth, y: y + 4, width: Math.round(barWidth * (row.rate ?? 0)), height: 16, rx: 3 }));
    svg.append(shape("text", { x: labelWidth + barWidth + 6, y: y + 16 }, percent(row.rate)));
  });
  if (!students.length) svg.append(shape("text", { x: 0, y: 20 }, "No students yet."));
}

async function downloading(path, filename) {
  showError("download-error", null);
  try {
    await download(path, filename);
  } catch (error) {
    showError("download-error", error);
  }
}

export function initReport() {
  onSubmit("report-form", async (form) => {
    await loadReport(form.dataset.classId);
  });
  $("download-report").onclick = () => downloading(`/class/${route().id}/report.csv${reportQuery()}`, "report.csv");
  $("download-history").onclick = () => downloading(`/class/${route().id}/attendance.csv`, "attendance.csv");
}
