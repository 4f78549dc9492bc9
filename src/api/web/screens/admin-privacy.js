// A person's privacy requests, actions of their row in People (admin-people.js): Export
// (everything the service holds about them, saved as JSON) and Erase (asks first, naming
// them).

import { api } from "../api.js";
import { $, ask, element, saveFile, showError } from "../dom.js";

export function exportButton(person) {
  const button = element("button", { type: "button", className: "secondary", textContent: "Export" });
  button.setAttribute("aria-label", `Export ${person.name}'s data`);
  button.onclick = async () => {
    try {
      const data = await api("GET", `/admin/users/${person.id}/export`);
      saveFile(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }), `personal-data-${person.id}.json`);
      showError("admin-error", null);
    } catch (error) {
      showError("admin-error", error);
    }
  };
  return button;
}

// `refresh` lists the people again once the person is erased (they are no longer listed).
export function eraseButton(person, refresh) {
  const button = element("button", { type: "button", className: "danger", textContent: "Erase" });
  button.setAttribute("aria-label", `Erase ${person.name}`);
  button.onclick = async () => {
    const question = `Erase ${person.name} (${person.email})? Their name and email are removed for good, and they are signed out everywhere at once and can no longer sign in. Their attendance records stay in the class statistics, naming nobody.`;
    if (!(await ask(question, `Erase ${person.name}`))) return;
    try {
      await api("POST", `/admin/users/${person.id}/erase`);
      $("admin-notice").textContent = `${person.name} was erased.`;
      showError("admin-error", null);
      await refresh();
    } catch (error) {
      showError("admin-error", error);
    }
  };
  return button;
}
