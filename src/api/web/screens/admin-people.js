// The administration's People tab (#/admin/people): the school's people, found by name,
// email, role or status; a person's role changed (the pupil who signed up as a teacher),
// their account deactivated or reactivated, a password link made for them, their data
// exported or erased.

import { api } from "../api.js";
import { $, ask, element, showError } from "../dom.js";
import { state } from "../state.js";
import { eraseButton, exportButton } from "./admin-privacy.js";
import { passwordLinkButton } from "./password-link.js";

const ROLES = ["student", "teacher", "admin"];
const STATUS_LABELS = { active: "Active", deactivated: "Deactivated", invited: "Invited (no password yet)" };

// What can be done to a person, each a small function: (person, row) -> a button, or null
// where it does not apply. `row.redraw(person)` shows the row again as the server answered;
// `row.reload()` lists the people again (one erased is no longer listed).
const ACTIONS = [
  (person) => passwordLinkButton(person, `/admin/users/${person.id}/password-link`, "admin-error"),
  activationButton,
  exportButton,
  (person, row) => (person.id === state.me.id ? null : eraseButton(person, row.reload)),
];

export async function showPeople() {
  await listPeople();
}

async function listPeople() {
  const query = new URLSearchParams();
  const search = $("admin-search").value.trim();
  if (search) query.set("search", search);
  if ($("admin-role-filter").value) query.set("role", $("admin-role-filter").value);
  if ($("admin-status-filter").value) query.set("status", $("admin-status-filter").value);
  try {
    const people = await api("GET", `/admin/users?${query}`);
    $("admin-users").replaceChildren(...people.map(personRow));
    if (!people.length) $("admin-users").append(element("tr", {}, element("td", { colSpan: 5, textContent: "No one matches." })));
    showError("admin-error", null);
  } catch (error) {
    showError("admin-error", error);
  }
}

function told(text) {
  $("admin-notice").textContent = text;
  showError("admin-error", null);
}

function personRow(person) {
  const role = element("select", {}, ...ROLES.map((name) => element("option", { value: name, textContent: name, selected: name === person.role })));
  role.setAttribute("aria-label", `Role of ${person.name}`);
  role.onchange = async () => {
    try {
      await api("PATCH", `/admin/users/${person.id}`, { role: role.value });
      person.role = role.value;
      told(`${person.name} is now ${role.value === "admin" ? "an admin" : `a ${role.value}`}.`);
    } catch (error) {
      role.value = person.role; // refused (the last admin): as it was
      showError("admin-error", error);
    }
  };
  const row = element("tr", {}, element("td", { textContent: person.name }), element("td", { className: "email", textContent: person.email }), element("td", {}, role));
  const handle = { redraw: (changed) => row.replaceWith(personRow(changed)), reload: listPeople };
  const actions = ACTIONS.map((action) => action(person, handle)).filter(Boolean);
  row.append(element("td", { textContent: STATUS_LABELS[person.status] }), element("td", { className: "actions" }, ...actions));
  return row;
}

// Deactivate (asking first: they are signed out everywhere at once) or reactivate; not
// oneself.
function activationButton(person, row) {
  if (person.id === state.me.id) return null;
  const deactivating = person.status !== "deactivated";
  const verb = deactivating ? "Deactivate" : "Reactivate";
  const button = element("button", { type: "button", className: deactivating ? "danger" : "secondary", textContent: verb });
  button.setAttribute("aria-label", `${verb} ${person.name}`);
  button.onclick = async () => {
    const question = `Deactivate ${person.name}? They are signed out everywhere at once and cannot log in until reactivated; their records stay.`;
    if (deactivating && !(await ask(question, "Deactivate"))) return;
    try {
      row.redraw(await api("POST", `/admin/users/${person.id}/${verb.toLowerCase()}`));
      told(`${person.name} ${deactivating ? "is deactivated" : "may log in again"}.`);
    } catch (error) {
      showError("admin-error", error); // refused (the last active admin)
    }
  };
  return button;
}

export function initPeople() {
  $("admin-search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    listPeople();
  });
  $("admin-role-filter").onchange = listPeople;
  $("admin-status-filter").onchange = listPeople;
}
