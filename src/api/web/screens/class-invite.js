// The class's Invite by email panel: a student without an account gets one, in the class at
// once, and a link to choose their password (shown here to hand over); a student who has an
// account is simply added.

import { api, loadClasses } from "../api.js";
import { $, formData, onSubmit } from "../dom.js";
import { state } from "../state.js";
import { route } from "../views.js";
import { renderSession } from "./class.js";
import { showOutcome } from "./invitation-link.js";

export function initClassInvite() {
  onSubmit("class-invite-form", async (form) => {
    const classId = route().id;
    const outcome = await api("POST", `/class/${classId}/invitations`, formData(form));
    form.reset();
    const { id, name, email } = outcome.user;
    state.roster.set(id, { id, name, email });
    await loadClasses();
    renderSession(classId);
    showOutcome($("class-invite-result"), outcome, $("class-title").textContent);
  });
}
