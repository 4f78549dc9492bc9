// The teacher's home: their classes, and a form to create one.

import { api, loadClasses } from "../api.js";
import { $, element, formData, onSubmit } from "../dom.js";
import { resync } from "../live.js";
import { state } from "../state.js";
import { show } from "../views.js";

export function showTeacherHome() {
  show("teacher-view");
  const items = [...state.classes.values()].map((classroom) => {
    const live = state.live.get(classroom.id)?.session;
    const link = element("a", { href: `#/class/${classroom.id}`, textContent: classroom.className });
    const facts = element("span", { textContent: `${classroom.studentIds.length} students` });
    const badge = live ? element("span", { className: "badge", textContent: "Live now" }) : "";
    const archived = state.live.get(classroom.id)?.archived ? element("span", { className: "corrected", textContent: "archived" }) : "";
    return element("li", {}, link, facts, badge, archived);
  });
  $("teacher-classes").replaceChildren(...items);
  if (!items.length) $("teacher-classes").append(element("li", { textContent: "No classes yet: create one above." }));
}

export function initTeacherHome() {
  onSubmit("create-class-form", async (form) => {
    const created = await api("POST", "/class", formData(form));
    form.reset();
    await loadClasses();
    resync();
    location.hash = `#/class/${created.id}`;
  });

  $("show-archived").onchange = async () => {
    state.showArchived = $("show-archived").checked;
    await loadClasses();
    showTeacherHome();
  };
}
