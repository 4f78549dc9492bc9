// The administration's People tab (#/admin/people): the school's people, found by name,
// email or role, and a person's role changed (the pupil who signed up as a teacher).

import { api } from "../api.js";
import { $, element, showError } from "../dom.js";
import { privacyActions } from "./admin-privacy.js";
import { passwordLinkButton } from "./password-link.js";

const ROLES = ["student", "teacher", "admin"];

export async function showPeople() {
  await listPeople();
}

async function listPeople() {
  const query = new URLSearchParams();
  const search = $("admin-search").value.trim();
  if (search) query.set("search", search);
  if ($("admin-role-filter").value) query.set("role", $("admin-role-filter").value);
  try {
    const people = await api("GET", `/admin/users?${query}`);
    $("admin-users").replaceChildren(...people.map(personRow));
    if (!people.length) $("admin-users").append(element("tr", {}, element("td", { colSpan: 4, textContent: "No one matches." })));
    showError("admin-error", null);
  } catch (error) {
    showError("admin-error", error);
  }
}

function personRow(person) {
  const role = element("select", {}, ...ROLES.map((name) => element("option", { value: name, textContent: name, selected: name === person.role })));
  role.setAttribute("aria-label", `Role of ${person.name}`);
  role.onchange = async () => {
    try {
      await api("PATCH", `/admin/users/${person.id}`, { role: role.value });
      person.role = role.value;
      $("admin-notice").textContent = `${person.name} is now ${role.value === "admin" ? "an admin" : `a ${role.value}`}.`;
      showError("admin-error", null);
    } catch (error) {
      role.value = person.role; // refused (the last admin): as it was
      showError("admin-error", error);
    }
  };
  const link = passwordLinkButton(person, `/admin/users/${person.id}/password-link`, "admin-error");
  const actions = element("td", { className: "actions" }, link, ...privacyActions(person, listPeople));
  return element("tr", {}, element("td", { textContent: person.name }), element("td", { textContent: person.email }), element("td", {}, role), actions);
}

export function initPeople() {
  $("admin-search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    listPeople();
  });
  $("admin-role-filter").onchange = listPeople;
}
