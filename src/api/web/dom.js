// Small helpers to find, make and fill elements, shared by every screen.

export const $ = (id) => document.getElementById(id);

export function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
}

export function showError(target, error) {
  const node = typeof target === "string" ? $(target) : target;
  if (node) node.textContent = error ? error.message || String(error) : "";
}

export function formError(form) { return document.querySelector(`[data-error-for="${form.id}"]`); }

export function formData(form) { return Object.fromEntries(new FormData(form).entries()); }

// A form's submit: its button is disabled while the handler runs, and what fails is shown
// beside it.
export function onSubmit(id, handler) {
  $(id).addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const button = form.querySelector("button[type=submit]");
    showError(formError(form), null);
    button.disabled = true;
    try { await handler(form); } catch (error) { showError(formError(form), error); } finally { button.disabled = false; }
  });
}

// "1 student", "2 students".
export function plural(count, one, many = `${one}s`) { return `${count} ${count === 1 ? one : many}`; }

export function counts(data) {
  const extra = data.late === undefined ? "" : `, ${data.late} late, ${data.excused} excused`;
  return `${data.present} present, ${data.absent} absent${extra}, ${data.total} total`;
}

export function time(iso) { return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }

export function percent(rate) { return rate === null ? "—" : `${Math.round(rate * 1000) / 10}%`; }

export function notice(text, lasting = false) {
  const node = $("notice");
  node.textContent = text;
  node.hidden = !text;
  clearTimeout(notice.timer);
  if (text && !lasting) notice.timer = setTimeout(() => { node.hidden = true; }, 6000);
}

export function ask(question, yes) {
  const dialog = $("confirm");
  $("confirm-text").textContent = question;
  $("confirm-yes").textContent = yes;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}

export const STATUS_LABELS = { present: "Present", absent: "Absent", late: "Late", excused: "Excused" };

// Hands the browser a file to save (a download made here or fetched).
export function saveFile(blob, filename) {
  const link = element("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}
