// A password reset link to hand over (a school without email, a pupil who forgot): the
// admin's People list and the teacher's class make one, and this dialog shows it to copy.

import { api } from "../api.js";
import { $, element, time } from "../dom.js";

// A button that makes a link for that person (POST to `path`) and shows it; errors go to
// the element of `errorId`.
export function passwordLinkButton(person, path, errorId, className = "secondary") {
  const button = element("button", { type: "button", className, textContent: "Password link" });
  button.setAttribute("aria-label", `Password link for ${person.name}`);
  button.onclick = async () => {
    button.disabled = true;
    try {
      const { link, expiresAt } = await api("POST", path);
      $(errorId).textContent = "";
      showLink(person, link, expiresAt);
    } catch (error) {
      $(errorId).textContent = error.message;
    } finally {
      button.disabled = false;
    }
  };
  return button;
}

function showLink(person, link, expiresAt) {
  $("password-link-title").textContent = `Password link for ${person.name}`;
  $("password-link-text").textContent = `Give this link to ${person.name}: with it they choose a new password. It works once, until ${time(expiresAt)}; an older one stops working.`;
  $("password-link-address").value = link;
  $("password-link-copied").textContent = "";
  $("password-link").showModal();
  $("password-link-address").select();
}

export function initPasswordLink() {
  $("password-link-copy").onclick = async () => {
    const address = $("password-link-address");
    try {
      await navigator.clipboard.writeText(address.value);
      $("password-link-copied").textContent = "Copied.";
    } catch {
      address.select(); // no clipboard (an address that is not https): selected to copy by hand
      $("password-link-copied").textContent = "Selected: copy it with your keyboard or menu.";
    }
  };
  $("password-link").addEventListener("close", () => { $("password-link-address").value = ""; });
}
