// The HTTP API: every request goes through here, in the JSON envelope, with the token.

import { saveFile } from "./dom.js";
import { state } from "./state.js";

// What the client does when the server no longer takes its token (app.js signs out).
export const apiHooks = { unauthorized: () => {} };

async function request(method, path, contentType, body) {
  const headers = { "Content-Type": contentType };
  const token = state.token;
  if (token) headers.Authorization = token;
  const response = await fetch(path, { method, headers, body });
  const payload = await response.json();
  // Refused as revoked (or expired): unless the client has moved on to another token meanwhile.
  if (response.status === 401 && token && token === state.token) apiHooks.unauthorized();
  if (!payload.success) throw Object.assign(new Error(payload.error), { status: response.status });
  return payload.data;
}

export async function api(method, path, body) {
  return request(method, path, "application/json", body ? JSON.stringify(body) : undefined);
}

// A file sent as the request's body, as it is (an import: a CSV or a zip).
export async function upload(path, file, contentType) {
  return request("POST", path, contentType, file);
}

// A file the API makes (a CSV), saved by the browser.
export async function download(path, filename) {
  const response = await fetch(path, { headers: { Authorization: state.token } });
  if (!response.ok) throw new Error((await response.json()).error);
  saveFile(await response.blob(), filename);
}

// Every class of the teacher or student, archived ones too (marked `archived`): a student
// keeps reading an archived class's record, and a teacher's list says when some are hidden.
export async function loadClasses() {
  const [all, current] = await Promise.all([api("GET", "/class?includeArchived=true"), api("GET", "/class")]);
  const active = new Set(current.map((c) => c.id));
  state.classes = new Map(all.map((c) => [c.id, { ...c, archived: !active.has(c.id) }]));
}
