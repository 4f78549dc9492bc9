// What an invitation made, shown to whoever invited: the link to hand over, with a button
// that copies it (it is shown this once: the server keeps only a digest of its token), or
// that the person, who has an account already, was only added to the class.

import { element } from "../dom.js";

const ROLE_NAMES = { teacher: "a teacher", student: "a student", admin: "an administrator" };

export function roleName(role) {
  return ROLE_NAMES[role] ?? role;
}

export function linkLifetime(expiresAt) {
  return new Date(expiresAt).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
}

// `target` is a live region (role "status"); `className` names the class the invitation was into.
export function showOutcome(target, { user, link, expiresAt }, className = "") {
  if (!link) {
    target.replaceChildren(element("p", { className: "success", textContent: `${user.name} (${user.email}) has an account already, and is now in ${className || "the class"}.` }));
    return;
  }
  const field = element("input", { id: `${target.id}-link`, readOnly: true, value: link });
  const label = element("label", { htmlFor: field.id, textContent: `Link for ${user.name} (${user.email}), ${roleName(user.role)}: it works once, until ${linkLifetime(expiresAt)}` });
  const said = element("p", { className: "success" });
  const copy = element("button", { type: "button", textContent: "Copy link" });
  copy.setAttribute("aria-label", `Copy link for ${user.name}`);
  copy.onclick = () => copyLink(field, said);
  target.replaceChildren(label, element("div", { className: "link-row" }, field, copy), said);
}

async function copyLink(field, said) {
  try {
    await navigator.clipboard.writeText(field.value);
    said.textContent = "Copied.";
  } catch {
    // No clipboard here (an address that is not https, or refused): selected, to copy by hand.
    field.focus();
    field.select();
    said.textContent = "Selected: copy it with your device's copy command.";
  }
}
