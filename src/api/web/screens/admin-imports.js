// The administration's Imports tab (#/admin/imports): a roster CSV or a OneRoster bundle
// (.zip), previewed, then applied; the links of the accounts made to download.

import { importForm } from "./import-form.js";

function target(file) {
  const zip = /\.zip$/i.test(file.name) || file.type === "application/zip";
  return zip
    ? { path: "/admin/oneroster", contentType: "application/zip", kind: "oneroster" }
    : { path: "/admin/roster", contentType: "text/csv", kind: "roster" };
}

export function showImports() {}

export function initImports() {
  importForm("admin-import", target);
}
