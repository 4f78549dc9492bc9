// The teacher's home: their classes, and a form to create one.

import { api, loadClasses } from "../api.js";
import { $, element, formData, onSubmit, plural } from "../dom.js";
import { resync } from "../live.js";
import { state } from "../state.js";
import { show } from "../views.js";

export function showTeacherHome() {
  show("teacher-view");
  const classes = [...state.classes.values()];
  const items = classes.filter((c) => state.showArchived || !c.archived).map((classroom) => {
    const live = state.live.get(classroom.id)?.session;
    const link = element("a", { href: `#/class/${classroom.id}`, textContent: classroom.className });
    const facts = element("span", { textContent: plural(classroom.studentIds.length, "student") });
    const badge = live ? element("span", { className: "badge", textContent: "Live now" }) : "";
    const archived = classroom.archived ? element("span", { className: "corrected", textContent: "archived" }) : "";
    return element("li", {}, link, facts, badge, archived);
  });
  $("teacher-classes").replaceChildren(...items);
  const hidden = classes.length - items.length;
  if (!items.length) {
    const archived = hidden === 1 ? "Your only class is archived" : `All your ${hidden} classes are archived`;
    const text = hidden
      ? `${archived}: tick “Show archived classes” to see ${hidden === 1 ? "it" : "them"}, or create a class above.`
      : "No classes yet: create one above.";
    $("teacher-classes").append(element("li", { textContent: text }));
  }
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
    showTeacherHome();
  };
}
