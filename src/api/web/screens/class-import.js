// A class's "Import roster" (teachers): a roster CSV into this class, previewed, then
// applied; the class's students are then read again (`reload`), and the links of the new
// accounts are there to download.

import { $ } from "../dom.js";
import { importForm } from "./import-form.js";

let form = null;

export function resetClassImport() {
  form?.reset();
}

function classId() {
  return $("class-view").dataset.classId;
}

export function initClassImport(reload) {
  const target = () => ({ path: `/class/${classId()}/roster`, contentType: "text/csv", kind: "roster" });
  form = importForm("class-import", target, () => reload(classId()));
}
