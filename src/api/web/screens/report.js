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
  $("report-chart").closest("figure").hidden = true;
}

// Checked here, before asking: the API would answer its bare "Invalid request schema".
function checkPeriod() {
  const from = $("report-from").value, to = $("report-to").value;
  if (from && to && from > to) throw new Error("From must be on or before To.");
}

async function loadReport(classId) {
  try {
    checkPeriod();
  } catch (error) {
    clearReport();
    throw error;
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

// Drawn at the chart's own width, one unit a pixel, so its text keeps its size on a phone.
let drawn = null;
function drawChart(students) {
  drawn = students;
  const svg = $("report-chart");
  svg.closest("figure").hidden = false;
  const ns = "http://www.w3.org/2000/svg";
  const shape = (tag, attributes, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const width = Math.max(240, Math.round(svg.getBoundingClientRect().width) || 580);
  const rowHeight = 28, rateWidth = 56, labelWidth = Math.min(180, Math.round(width * 0.4));
  const barWidth = width - labelWidth - rateWidth, height = Math.max(1, students.length) * rowHeight + 8;
  const letters = Math.floor(labelWidth / 8.5);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren(svg.querySelector("title"));
  students.forEach((row, index) => {
    const y = 4 + index * rowHeight;
    const name = row.name.length > letters ? `${row.name.slice(0, letters - 1)}…` : row.name;
    svg.append(shape("text", { x: 0, y: y + 18 }, name));
    svg.append(shape("rect", { class: "track", x: labelWidth, y: y + 5, width: barWidth - 8, height: 18, rx: 3 }));
    svg.append(shape("rect", { class: "bar", x: labelWidth, y: y + 5, width: Math.round((barWidth - 8) * (row.rate ?? 0)), height: 18, rx: 3 }));
    svg.append(shape("text", { x: width, y: y + 18, "text-anchor": "end" }, percent(row.rate)));
  });
  if (!students.length) svg.append(shape("text", { x: 0, y: 20 }, "No students yet."));
}

async function downloading(path, filename, forPeriod) {
  showError("download-error", null);
  try {
    if (forPeriod) checkPeriod();
    await download(path, filename);
  } catch (error) {
    showError("download-error", error);
  }
}

export function initReport() {
  window.addEventListener("resize", () => { if (drawn && !$("report-view").hidden) drawChart(drawn); });
  onSubmit("report-form", async (form) => {
    await loadReport(form.dataset.classId);
  });
  $("download-report").onclick = () => downloading(`/class/${route().id}/report.csv${reportQuery()}`, "report.csv", true);
  $("download-history").onclick = () => downloading(`/class/${route().id}/attendance.csv`, "attendance.csv", false);
}
