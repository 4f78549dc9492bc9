// The student's check-in page: the code shown by the teacher (filled in from the QR code).

import { api } from "../api.js";
import { $, formData, formError, onSubmit, showError } from "../dom.js";
import { state } from "../state.js";
import { show } from "../views.js";

export function showStudentCheckIn(classId, code) {
  const classroom = state.classes.get(classId);
  $("student-check-in-title").textContent = `Check in to ${classroom ? classroom.className : "your class"}`;
  const form = $("check-in-form");
  form.dataset.classId = classId;
  if ($("student-check-in-view").hidden) {
    $("check-in-input").value = code;
    $("check-in-result").textContent = "";
    showError(formError(form), null);
  }
  show("student-check-in-view");
}

export function initStudentCheckIn() {
  onSubmit("check-in-form", async (form) => {
    const classId = form.dataset.classId;
    $("check-in-result").textContent = "";
    await api("POST", `/class/${classId}/check-in`, { code: formData(form).code.trim() });
    $("check-in-result").textContent = "You are checked in: present.";
  });
}
