// The page an invitation link opens (#/invitation/<token>): who invites the person, as what
// and into which class; then the set-password screen (its form and code) chooses the password.

import { api } from "../api.js";
import { roleName } from "./invitation-link.js";
import { showSetPassword } from "./set-password.js";
import { passwordLoginOpenTo } from "./sign-in.js";

export async function showInvitation(token) {
  let invitation;
  try {
    invitation = await api("POST", "/auth/invitation", { token });
  } catch (error) {
    return showSetPassword(token, { title: "You are invited", problem: `${error.message}. Ask whoever invited you for a new link.` });
  }
  const by = invitation.invitedByName ?? "Your school";
  const into = invitation.className ? ` to ${invitation.className}` : "";
  if (!(await passwordLoginOpenTo(invitation.role))) {
    return showSetPassword(token, {
      title: "You are invited",
      intro: `Welcome, ${invitation.name}. ${by} invited you${into} on Live Attendance, as ${roleName(invitation.role)}. No password is needed: sign in with your school account, ${invitation.email}.`,
      signInInstead: true,
    });
  }
  showSetPassword(token, {
    title: "You are invited",
    intro: `Welcome, ${invitation.name}. ${by} invited you${into} on Live Attendance, as ${roleName(invitation.role)}. Choose your password; then log in with your email, ${invitation.email}.`,
  });
}
