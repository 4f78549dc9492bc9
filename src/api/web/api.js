// The HTTP API: every request goes through here, in the JSON envelope, with the token.

import { element } from "./dom.js";
import { state } from "./state.js";

// What the client does when the server no longer takes its token (app.js signs out).
export const apiHooks = { unauthorized: () => {} };

export async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  const token = state.token;
  if (token) headers.Authorization = token;
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const payload = await response.json();
  // Refused as revoked (or expired): unless the client has moved on to another token meanwhile.
  if (response.status === 401 && token && token === state.token) apiHooks.unauthorized();
  if (!payload.success) throw Object.assign(new Error(payload.error), { status: response.status });
  return payload.data;
}

// A file the API makes (a CSV), saved by the browser.
export async function download(path, filename) {
  const response = await fetch(path, { headers: { Authorization: state.token } });
  if (!response.ok) throw new Error((await response.json()).error);
  const link = element("a", { href: URL.createObjectURL(await response.blob()), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

// Every class of the teacher or student, archived ones too (marked `archived`): a student
// keeps reading an archived class's record, and a teacher's list says when some are hidden.
export async function loadClasses() {
  const [all, current] = await Promise.all([api("GET", "/class?includeArchived=true"), api("GET", "/class")]);
  const active = new Set(current.map((c) => c.id));
  state.classes = new Map(all.map((c) => [c.id, { ...c, archived: !active.has(c.id) }]));
}
