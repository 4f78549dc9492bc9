// What an import said (a preview or an apply): the counts, a table of every row with its
// outcome and, when refused or skipped, why; after an apply, the set-password links of the
// accounts made, to download as CSV and hand over.

import { $, element, plural, saveFile } from "../dom.js";

const ROSTER_PREVIEW = { created: "will be created", enrolled: "will be enrolled", unchanged: "already there", refused: "refused" };
const ROSTER_APPLIED = { created: "created", enrolled: "enrolled", unchanged: "unchanged", refused: "refused" };

export function clearReport(prefix) {
  $(`${prefix}-result`).hidden = true;
  $(`${prefix}-rows`).replaceChildren();
}

function headings(prefix, names) {
  $(`${prefix}-head`).replaceChildren(element("tr", {}, ...names.map((name) => element("th", { scope: "col", textContent: name }))));
}

function cell(text, className = "") {
  return element("td", { textContent: text ?? "", className });
}

function rosterSummary(data) {
  const words = data.applied ? ROSTER_APPLIED : ROSTER_PREVIEW;
  const parts = Object.entries(data.counts).map(([outcome, count]) => `${count} ${words[outcome]}`);
  const made = data.classesCreated.length ? ` Classes ${data.applied ? "made" : "to make"}: ${data.classesCreated.join(", ")}.` : "";
  const ignored = data.ignoredColumns.length ? ` Columns ignored: ${data.ignoredColumns.join(", ")}.` : "";
  return `${data.applied ? "Imported" : "Preview (nothing has changed yet)"}: ${parts.join(", ")}.${made}${ignored}`;
}

function onerosterSummary(data) {
  const files = Object.entries(data.counts).map(([file, counted]) => {
    const parts = Object.entries(counted).map(([outcome, count]) => `${count} ${outcome.replace("-", " ")}`);
    return `${file} (${data.modes[file]}): ${parts.join(", ") || "nothing"}`;
  });
  const gone = data.deactivated.length ? ` ${plural(data.deactivated.length, "account")} inactive or gone in the SIS, ${data.applied ? "deactivated" : "to deactivate"}.` : "";
  const back = data.reactivated.length ? ` ${plural(data.reactivated.length, "account")} active again in the SIS, ${data.applied ? "reactivated" : "to reactivate"}.` : "";
  return `${data.applied ? "Synced" : "Preview (nothing has changed yet)"}, OneRoster ${data.version}: ${files.join("; ")}.${gone}${back}`;
}

export function showReport(prefix, kind, data) {
  $(`${prefix}-result`).hidden = false;
  if (kind === "roster") {
    $(`${prefix}-summary`).textContent = rosterSummary(data);
    headings(prefix, ["Line", "Name", "Email", "Class", "Outcome", "Why"]);
    const words = data.applied ? ROSTER_APPLIED : ROSTER_PREVIEW;
    $(`${prefix}-rows`).replaceChildren(...data.rows.map((row) => element("tr", {},
      cell(row.line, "line"), cell(row.name), cell(row.email), cell(row.className),
      cell(words[row.outcome], `outcome-${row.outcome}`), cell(row.message))));
  } else {
    $(`${prefix}-summary`).textContent = onerosterSummary(data);
    headings(prefix, ["File", "Line", "Record", "Outcome", "Why"]);
    $(`${prefix}-rows`).replaceChildren(...data.rows.map((row) => element("tr", {},
      cell(row.file, "file"), cell(row.line ?? "—", "line"), cell(row.subject),
      cell(row.outcome.replace("-", " "), `outcome-${row.outcome}`), cell(row.message))));
  }
  const links = $(`${prefix}-links`);
  links.hidden = !data.linksCsv;
  if (data.linksCsv) {
    links.textContent = `Download the ${plural(data.links.length, "set-password link")} (CSV)`;
    links.onclick = () => saveFile(new Blob([data.linksCsv], { type: "text/csv" }), "set-password-links.csv");
  }
}
