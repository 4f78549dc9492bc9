// The administration's Invitations tab (#/admin/invitations): invite a teacher, a student or
// an administrator, and see the invitations not accepted yet: make a new link (the older one
// stops working) or revoke one.

import { api } from "../api.js";
import { $, ask, element, formData, onSubmit, showError } from "../dom.js";
import { linkLifetime, roleName, showOutcome } from "./invitation-link.js";

export async function showInvitations() {
  await Promise.all([listPending(), listClasses()]);
}

// A student may be invited into a class: every class that is not archived, with its teacher.
async function listClasses() {
  try {
    const { classes } = await api("GET", "/admin/report");
    const open = classes.filter((c) => !c.archived);
    $("invite-class").replaceChildren(
      element("option", { value: "", textContent: "No class" }),
      ...open.map((c) => element("option", { value: c.classId, textContent: `${c.className} (${c.teacherName})` })),
    );
  } catch (error) {
    showError("pending-error", error);
  }
}

function showClassField() {
  $("invite-class-field").hidden = $("invite-role").value !== "student";
}

async function listPending() {
  try {
    const pending = await api("GET", "/admin/invitations?limit=200");
    $("pending-invitations").replaceChildren(...pending.map(pendingCard));
    if (!pending.length) $("pending-invitations").append(element("li", { textContent: "None: everyone invited has chosen a password." }));
    showError("pending-error", null);
  } catch (error) {
    showError("pending-error", error);
  }
}

async function invite(body) {
  const outcome = await api("POST", "/admin/invitations", body);
  showOutcome($("invite-result"), outcome);
  await listPending();
}

function pendingCard(invitation) {
  const { name, email, role, classId, className, invitedByName, expiresAt } = invitation;
  const expired = new Date(expiresAt) <= new Date();
  const where = className ? ` in ${className}` : "";
  const by = invitedByName ? `, invited by ${invitedByName}` : "";
  const renew = element("button", { type: "button", className: "secondary", textContent: "New link" });
  renew.setAttribute("aria-label", `New link for ${name}`);
  renew.onclick = async () => {
    try {
      await invite({ name, email, role, classId });
    } catch (error) {
      showError("pending-error", error);
    }
  };
  const revoke = element("button", { type: "button", className: "danger", textContent: "Revoke" });
  revoke.setAttribute("aria-label", `Revoke the invitation of ${name}`);
  revoke.onclick = () => revokeInvitation(invitation);
  return element(
    "li",
    {},
    element("h4", { textContent: name }),
    element("p", { textContent: `${email} · ${roleName(role)}${where}${by}` }),
    element("p", { className: expired ? "status-absent" : "", textContent: expired ? "The link has expired." : `The link works until ${linkLifetime(expiresAt)}.` }),
    element("div", { className: "session-controls" }, renew, revoke),
  );
}

async function revokeInvitation({ userId, name }) {
  if (!(await ask(`Revoke the invitation of ${name}? Its link stops working; you can invite them again.`, "Revoke"))) return;
  try {
    await api("DELETE", `/admin/invitations/${userId}`);
    $("invite-result").replaceChildren(element("p", { textContent: `The invitation of ${name} is revoked: its link works no more.` }));
    await listPending();
  } catch (error) {
    showError("pending-error", error);
  }
}

export function initInvitations() {
  $("invite-role").onchange = showClassField;
  onSubmit("invite-form", async (form) => {
    const { classId, ...body } = formData(form);
    await invite(body.role === "student" && classId ? { ...body, classId } : body);
    form.reset();
    showClassField();
  });
}
