// The HTTP API: every request goes through here, in the JSON envelope, with the token.

import { element } from "./dom.js";
import { state } from "./state.js";

export async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = state.token;
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const payload = await response.json();
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

export async function loadClasses() {
  const query = state.showArchived ? "?includeArchived=true" : "";
  state.classes = new Map((await api("GET", `/class${query}`)).map((c) => [c.id, c]));
}
