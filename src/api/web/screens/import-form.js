// An import's form (the admin's Imports tab, a class's "Import roster"): choose a file,
// Preview (nothing changes), then Apply the same file; the answer is shown by
// import-report.js. The elements are `${prefix}-form`, `-file`, `-apply` and the report's.

import { upload } from "../api.js";
import { $, formError, onSubmit, showError } from "../dom.js";
import { clearReport, showReport } from "./import-report.js";

// For a file: where to send it and how ({path, contentType, kind: "roster" | "oneroster"}).
export function importForm(prefix, target, afterApply = () => {}) {
  const file = $(`${prefix}-file`);
  const apply = $(`${prefix}-apply`);
  let previewed = null; // the file the shown preview is of: Apply sends that one

  function reset() {
    previewed = null;
    apply.disabled = true;
    clearReport(prefix);
  }

  file.addEventListener("change", reset);
  onSubmit(`${prefix}-form`, async () => {
    const chosen = file.files[0];
    reset();
    const to = target(chosen);
    const data = await upload(`${to.path}/preview`, chosen, to.contentType);
    showReport(prefix, to.kind, data);
    previewed = chosen;
    apply.disabled = false;
  });
  apply.addEventListener("click", async () => {
    const form = $(`${prefix}-form`);
    showError(formError(form), null);
    apply.disabled = true;
    const to = target(previewed);
    try {
      const data = await upload(`${to.path}/apply`, previewed, to.contentType);
      showReport(prefix, to.kind, data);
      previewed = null; // applied: a new preview before another apply
      await afterApply(data);
    } catch (error) {
      apply.disabled = false;
      showError(formError(form), error);
    }
  });
  return { reset: () => { file.value = ""; reset(); } };
}
