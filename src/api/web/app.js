// Live Attendance web client: plain JavaScript, no build step. It talks to the same API as
// any other client: the JSON envelope over HTTP, and the live protocol v2 over /ws. What it
// shows comes from one state, filled by SESSION_STATE and kept current by the numbered events.
"use strict";

const V2 = "live-attendance.v2";
const GAP_WAIT_MS = 1000; // frames from another server process may arrive a little late

const state = {
  token: localStorage.getItem("token"),
  me: null,
  socket: null,
  retry: 0,
  reconnecting: false,
  classes: new Map(), // id -> {id, className, teacherId, studentIds}
  live: new Map(), // classId -> {seq, privateMarks, session, summary, final, early: Map seq -> frame}
  roster: new Map(), // the open class's students: id -> {id, name, email}
  persisted: new Map(), // a student's classId -> {mine, history, report}, from HTTP
  showArchived: false,
  gapTimer: null,
  errorTarget: null, // where the answer to the last live event goes if it is an ERROR
  checkInTimer: null,
};
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- helpers

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = state.token;
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const payload = await response.json();
  if (!payload.success) throw Object.assign(new Error(payload.error), { status: response.status });
  return payload.data;
}

function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
}

function showError(target, error) {
  const node = typeof target === "string" ? $(target) : target;
  if (node) node.textContent = error ? error.message || String(error) : "";
}

function formError(form) { return document.querySelector(`[data-error-for="${form.id}"]`); }

function counts(data) {
  const extra = data.late === undefined ? "" : `, ${data.late} late, ${data.excused} excused`;
  return `${data.present} present, ${data.absent} absent${extra}, ${data.total} total`;
}

function time(iso) { return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }

function notice(text, lasting = false) {
  const node = $("notice");
  node.textContent = text;
  node.hidden = !text;
  clearTimeout(notice.timer);
  if (text && !lasting) notice.timer = setTimeout(() => { node.hidden = true; }, 6000);
}

function ask(question, yes) {
  const dialog = $("confirm");
  $("confirm-text").textContent = question;
  $("confirm-yes").textContent = yes;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}

// ---------------------------------------------------------------- routes

const VIEWS = ["auth-view", "teacher-view", "class-view", "report-view", "check-in-view", "student-view", "student-check-in-view"];

function show(viewId) {
  for (const id of VIEWS) $(id).hidden = id !== viewId;
  clearInterval(state.checkInTimer);
}

function route() {
  const [, first, id, second, code] = location.hash.split("/");
  return { first: first || "", id, second, code };
}

async function render() {
  if (!state.me) return show("auth-view");
  const { first, id, second, code } = route();
  try {
    if (state.me.role === "teacher") {
      if (first === "class" && id && second === "check-in") return await showCheckIn(id);
      if (first === "class" && id && second === "report") return await showReport(id);
      if (first === "class" && id) return await showClass(id);
      return showTeacherHome();
    }
    if (first === "check-in" && id) return showStudentCheckIn(id, second || code || "");
    return showStudentHome();
  } catch (error) {
    notice(error.message);
    if (error.status === 401) logOut();
  }
}

window.addEventListener("hashchange", render);

// Redraws what the live state shows on the current screen, without asking the server.
function refresh() {
  if (!state.me) return;
  const { id } = route();
  if (!$("teacher-view").hidden) showTeacherHome();
  else if (!$("class-view").hidden) renderSession(id);
  else if (!$("check-in-view").hidden) renderCheckInCount(id);
  else if (!$("student-view").hidden) renderStudentHome();
}

// ---------------------------------------------------------------- signing in

async function start() {
  if (!state.token) return show("auth-view");
  try {
    state.me = await api("GET", "/auth/me");
  } catch {
    return logOut();
  }
  $("who").textContent = `${state.me.name} (${state.me.role})`;
  $("logout").hidden = false;
  await loadClasses();
  connect();
  await render();
}

async function loadClasses() {
  const query = state.showArchived ? "?includeArchived=true" : "";
  state.classes = new Map((await api("GET", `/class${query}`)).map((c) => [c.id, c]));
}

function logOut() {
  localStorage.removeItem("token");
  const socket = state.socket;
  Object.assign(state, { token: null, me: null, socket: null, classes: new Map(), live: new Map(), persisted: new Map() });
  if (socket) socket.close();
  $("who").textContent = "";
  $("logout").hidden = true;
  $("connection").hidden = true;
  show("auth-view");
}

async function signedIn(token) {
  state.token = token;
  localStorage.setItem("token", token);
  await start();
}

// ---------------------------------------------------------------- the live socket

function setConnection(text, open) {
  const badge = $("connection");
  badge.hidden = false;
  badge.textContent = text;
  badge.dataset.state = open ? "open" : "closed";
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(state.token)}`, V2);
  state.socket = socket;
  setConnection("Live: connecting…", false);
  socket.onopen = () => { state.retry = 0; setConnection("Live: connected", true); };
  socket.onmessage = (message) => onFrame(JSON.parse(message.data));
  socket.onclose = () => {
    if (state.socket !== socket || !state.token) return;
    const delay = Math.min(10000, 500 * 2 ** state.retry++);
    state.reconnecting = true;
    setConnection("Live: reconnecting…", false);
    notice("Connection lost: reconnecting…", true);
    setTimeout(() => { if (state.token && state.socket === socket) connect(); }, delay);
  };
}

function send(event, data, errorTarget) {
  state.errorTarget = errorTarget || null;
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) {
    showError(errorTarget, "Not connected yet: try again in a moment.");
    return false;
  }
  state.socket.send(JSON.stringify({ event, data }));
  return true;
}

function resync() {
  clearTimeout(state.gapTimer);
  state.gapTimer = null;
  send("RESYNC", {});
}

function onFrame(frame) {
  const { event, data } = frame;
  if (event === "ERROR") {
    showError(state.errorTarget || "session-error", data.message);
    if (!state.errorTarget) notice(data.message);
  } else if (event === "SESSION_STATE") {
    applyState(data.classes);
  } else if (event === "CLASS_JOINED") {
    loadClasses().then(resync).then(render); // the state of the new class follows
  } else if (frame.seq !== undefined) {
    receiveNumbered(frame);
  }
}

function applyState(classes) {
  clearTimeout(state.gapTimer);
  state.gapTimer = null;
  const live = new Map();
  for (const entry of classes) {
    const before = state.live.get(entry.classId);
    live.set(entry.classId, {
      seq: entry.seq,
      privateMarks: entry.privateMarks,
      statuses: entry.statuses,
      archived: entry.archived,
      session: entry.session && { ...entry.session, marks: new Map(entry.session.marks.map((m) => [m.studentId, m])) },
      summary: entry.session ? before?.summary ?? null : null,
      final: entry.session ? null : before?.final ?? null,
      early: new Map(),
    });
  }
  state.live = live;
  if (state.reconnecting) {
    state.reconnecting = false;
    notice("Reconnected: the view is up to date again.");
  }
  refresh();
}

// Frames are applied in the order of their class's numbers; a frame that comes early waits
// for the ones before it, and if they do not come soon the client asks for the state again.
function receiveNumbered(frame) {
  const cls = state.live.get(frame.data.classId);
  if (!cls) return resync();
  if (frame.seq <= cls.seq) return;
  const privateForMe = cls.privateMarks && state.me.role === "student";
  if (frame.seq === cls.seq + 1 || privateForMe) {
    applyFrame(cls, frame);
    for (let next = cls.early.get(cls.seq + 1); next; next = cls.early.get(cls.seq + 1)) {
      cls.early.delete(next.seq);
      applyFrame(cls, next);
    }
  } else {
    cls.early.set(frame.seq, frame);
    if (!state.gapTimer) state.gapTimer = setTimeout(resync, GAP_WAIT_MS);
  }
  refresh();
}

function afterDone(classId) {
  if (state.me.role === "teacher") {
    if (!$("class-view").hidden && route().id === classId) loadHistory(classId);
  } else {
    loadPersisted([classId]).then(refresh);
  }
}

function applyFrame(cls, { event, data, seq }) {
  cls.seq = seq;
  if (event === "SESSION_STARTED") {
    cls.session = { id: data.sessionId, startedAt: data.startedAt, checkInOpen: false, marks: new Map() };
    cls.summary = null;
    cls.final = null;
  } else if (event === "ATTENDANCE_MARKED" && cls.session) {
    cls.session.marks.set(data.studentId, data);
  } else if (event === "TODAY_SUMMARY") {
    cls.summary = data;
  } else if (event === "CHECK_IN_STATE" && cls.session) {
    cls.session.checkInOpen = data.open;
  } else if (event === "DONE" || event === "SESSION_ENDED") {
    if (!cls.session) return; // DONE, then SESSION_ENDED with the same number
    cls.final = { ...data, marks: cls.session.marks };
    cls.session = null;
    afterDone(data.classId);
  }
}

// ---------------------------------------------------------------- teacher: classes

function showTeacherHome() {
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

async function showClass(classId) {
  const opening = $("class-view").dataset.classId !== classId || $("class-view").hidden;
  if (opening) {
    const details = await api("GET", `/class/${classId}`);
    state.roster = new Map(details.students.map((s) => [s.id, s]));
    $("class-view").dataset.classId = classId;
    $("class-title").textContent = details.className;
    $("rename-input").value = details.className;
    $("report-link").href = `#/class/${classId}/report`;
    for (const id of ["session-error", "add-error", "options-error", "summary"]) $(id).textContent = "";
    $("student-search").value = "";
    $("student-results").replaceChildren();
    show("class-view");
    await loadHistory(classId);
  }
  renderSession(classId);
}

function renderSession(classId) {
  const cls = state.live.get(classId);
  const session = cls?.session;
  $("private-marks").checked = Boolean(cls?.privateMarks);
  const statuses = cls?.statuses ?? ["present", "absent"];
  $("allow-late").checked = statuses.includes("late");
  $("allow-excused").checked = statuses.includes("excused");
  $("archived-note").hidden = !cls?.archived;
  $("start-session").disabled = Boolean(cls?.archived);
  $("archive").textContent = cls?.archived ? "Unarchive this class" : "Archive this class";
  $("show-summary").hidden = $("done").hidden = $("check-in-link").hidden = !session;
  $("check-in-link").href = `#/class/${classId}/check-in`;
  $("check-in-link").textContent = session?.checkInOpen ? "Show check-in code" : "Self check-in";
  $("start-session").textContent = session ? "Start a new session" : "Start attendance";
  $("start-session").className = session ? "secondary" : "";
  if (session) {
    const marked = session.marks.size;
    $("session-status").textContent = `Live since ${time(session.startedAt)}: ${marked} of ${state.roster.size} marked.`;
    $("summary").textContent = cls.summary ? `Summary: ${counts(cls.summary)}` : "";
  } else if (cls?.final) {
    $("session-status").textContent = "No live session. The last one was saved.";
    $("summary").textContent = `Attendance persisted: ${counts(cls.final)}`;
  } else {
    $("session-status").textContent = "No live session.";
  }
  $("roster").replaceChildren(...[...state.roster.values()].map((student) => rosterRow(classId, student, session, cls?.final, statuses)));
  if (!state.roster.size) $("roster").append(element("tr", {}, element("td", { colSpan: 3, textContent: "No students yet: add some below." })));
}

function statusText(mark, final) {
  if (mark) return mark.checkedIn ? `${mark.status} (checked in)` : mark.status;
  return final ? "absent" : "not yet marked";
}

const STATUS_LABELS = { present: "Present", absent: "Absent", late: "Late", excused: "Excused" };

function rosterRow(classId, student, session, final, statuses) {
  const mark = session ? session.marks.get(student.id) : final?.marks.get(student.id);
  const status = element("span", { textContent: statusText(mark, final && !session) });
  status.className = `status-${mark ? mark.status : final && !session ? "absent" : "none"}`;
  status.dataset.statusOf = student.id;
  const actions = element("div", { className: "mark" });
  if (session) {
    for (const choice of statuses) {
      const button = element("button", { type: "button", className: choice, textContent: STATUS_LABELS[choice] });
      button.setAttribute("aria-label", `Mark ${student.name} ${choice}`);
      button.setAttribute("aria-pressed", String(mark?.status === choice && !mark.checkedIn));
      button.onclick = () => send("ATTENDANCE_MARKED", { classId, studentId: student.id, status: choice }, "session-error");
      actions.append(button);
    }
  }
  const remove = element("button", { type: "button", className: "secondary", textContent: "Remove" });
  remove.setAttribute("aria-label", `Remove ${student.name} from the class`);
  remove.onclick = () => removeStudent(classId, student);
  actions.append(remove);
  return element("tr", {}, element("td", { className: "name", textContent: student.name }), element("td", {}, status), element("td", {}, actions));
}

async function removeStudent(classId, student) {
  if (!(await ask(`Remove ${student.name} from the class? Their past records are kept.`, "Remove"))) return;
  try {
    await api("DELETE", `/class/${classId}/students/${student.id}`);
    state.roster.delete(student.id);
    await loadClasses();
    renderSession(classId);
  } catch (error) {
    showError("session-error", error);
  }
}

async function loadHistory(classId) {
  const [sessions, trail] = await Promise.all([
    api("GET", `/class/${classId}/attendance`),
    api("GET", `/class/${classId}/corrections`),
  ]);
  const statuses = state.live.get(classId)?.statuses ?? ["present", "absent"];
  const opened = new Set([...$("class-history").querySelectorAll("details[open]")].map((d) => d.dataset.sessionId));
  const items = sessions.map((s) => {
    const rows = s.attendance.map((record) => correctionRow(classId, s.id, record, statuses));
    const when = `${new Date(s.startedAt).toLocaleDateString()} ${time(s.startedAt)}–${time(s.endedAt)}`;
    const details = element("details", {}, element("summary", { textContent: `${when}: ${counts(s)}` }), element("ul", {}, ...rows));
    details.dataset.sessionId = s.id;
    details.open = opened.has(s.id);
    return element("li", {}, details);
  });
  $("class-history").replaceChildren(...items);
  if (!items.length) $("class-history").append(element("li", { textContent: "No finished sessions yet." }));
  $("corrections-title").textContent = `Corrections (${trail.length})`;
  $("corrections-list").replaceChildren(...trail.map((c) => {
    const name = state.roster.get(c.studentId)?.name ?? c.studentId;
    const note = c.note ? `: “${c.note}”` : "";
    return element("li", { textContent: `${new Date(c.correctedAt).toLocaleString()}: ${name}, ${c.fromStatus} → ${c.toStatus}${note}` });
  }));
}

function correctionRow(classId, sessionId, record, statuses) {
  const name = state.roster.get(record.studentId)?.name ?? "(removed student)";
  const status = element("span", { className: `status-${record.status}`, textContent: record.status });
  const marker = record.corrected ? element("span", { className: "corrected", textContent: "(corrected)" }) : "";
  const choice = element("select", {}, ...statuses.map((value) => element("option", { value, textContent: STATUS_LABELS[value], selected: value === record.status })));
  choice.setAttribute("aria-label", `New status for ${name}`);
  const note = element("input", { placeholder: "Note (optional)", maxLength: 500 });
  note.setAttribute("aria-label", `Note for ${name}`);
  const save = element("button", { type: "button", className: "secondary", textContent: "Correct" });
  save.setAttribute("aria-label", `Save correction for ${name}`);
  const error = element("p", { className: "error" });
  error.setAttribute("role", "alert");
  save.onclick = async () => {
    save.disabled = true;
    try {
      await api("POST", `/class/${classId}/attendance/${sessionId}/corrections`, { studentId: record.studentId, status: choice.value, note: note.value.trim() || null });
      await loadHistory(classId);
    } catch (failure) {
      showError(error, failure);
      save.disabled = false;
    }
  };
  return element("li", {}, element("span", { className: "name", textContent: `${name}: ` }), status, marker, choice, note, save, error);
}

async function startAttendance() {
  const classId = route().id;
  const button = $("start-session");
  if (state.live.get(classId)?.session) {
    const replace = await ask("A session is live. Start a new one? Its marks will be lost.", "Start a new session");
    if (!replace) return;
  }
  button.disabled = true;
  showError("session-error", null);
  try {
    await api("POST", "/attendance/start", { classId });
  } catch (error) {
    showError("session-error", error);
  } finally {
    button.disabled = false;
  }
}

async function finishAttendance() {
  const classId = route().id;
  const unmarked = state.roster.size - (state.live.get(classId)?.session?.marks.size ?? 0);
  const question = unmarked ? `Close the session? ${unmarked} unmarked student(s) will be saved as absent.` : "Close the session and save it?";
  if (await ask(question, "Done: save attendance")) send("DONE", { classId }, "session-error");
}

let searchTimer = null;
function searchStudents() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const text = $("student-search").value.trim();
    const results = $("student-results");
    showError("add-error", null);
    if (!text) return results.replaceChildren();
    try {
      const found = await api("GET", `/students?search=${encodeURIComponent(text)}&limit=10`);
      const items = found.filter((s) => !state.roster.has(s.id)).map((student) => {
        const add = element("button", { type: "button", textContent: "Add" });
        add.setAttribute("aria-label", `Add ${student.name}`);
        add.onclick = () => addStudent(student);
        return element("li", {}, element("span", { className: "name", textContent: student.email ? `${student.name} (${student.email})` : student.name }), add);
      });
      results.replaceChildren(...items);
      if (!items.length) results.append(element("li", { textContent: "No student found." }));
    } catch (error) {
      showError("add-error", error);
    }
  }, 250);
}

async function addStudent(student) {
  const classId = route().id;
  try {
    await api("POST", `/class/${classId}/add-student`, { studentId: student.id });
    state.roster.set(student.id, student);
    await loadClasses();
    $("student-search").value = "";
    $("student-results").replaceChildren();
    renderSession(classId);
  } catch (error) {
    showError("add-error", error);
  }
}

async function changeClass(changes) {
  const classId = route().id;
  showError("options-error", null);
  try {
    const changed = await api("PATCH", `/class/${classId}`, changes);
    const cls = state.live.get(classId);
    if (cls) Object.assign(cls, { privateMarks: changed.privateMarks, statuses: changed.statuses, archived: changed.archived });
    $("class-title").textContent = changed.className;
    await loadClasses();
    renderSession(classId);
    await loadHistory(classId);
  } catch (error) {
    showError("options-error", error);
    renderSession(classId);
  }
}

function changeStatuses() {
  const extraStatuses = [$("allow-late"), $("allow-excused")].filter((box) => box.checked).map((box) => box.value);
  return changeClass({ extraStatuses });
}

async function toggleArchived() {
  const archived = !state.live.get(route().id)?.archived;
  if (archived && !(await ask("Archive this class? It is hidden from your list and starts no session; its records are kept.", "Archive"))) return;
  await changeClass({ archived });
}

// ---------------------------------------------------------------- teacher: report

async function showReport(classId) {
  $("report-back").href = `#/class/${classId}`;
  $("report-form").dataset.classId = classId;
  show("report-view");
  await loadReport(classId);
}

function reportQuery() {
  const params = new URLSearchParams();
  if ($("report-from").value) params.set("from", $("report-from").value);
  if ($("report-to").value) params.set("to", $("report-to").value);
  const query = params.toString();
  return query ? `?${query}` : "";
}

function percent(rate) { return rate === null ? "—" : `${Math.round(rate * 1000) / 10}%`; }

async function loadReport(classId) {
  const report = await api("GET", `/class/${classId}/report${reportQuery()}`);
  $("report-title").textContent = `Report: ${report.className}`;
  $("report-held").textContent = `${report.sessionsHeld} session(s) held`;
  $("report-rows").replaceChildren(...report.students.map((row) => element("tr", {},
    element("td", { className: "name", textContent: row.name }),
    ...[row.sessions, row.present, row.absent, row.late, row.excused].map((n) => element("td", { textContent: String(n) })),
    element("td", { textContent: percent(row.rate) }))));
  drawChart(report.students);
}

function drawChart(students) {
  const svg = $("report-chart");
  const ns = "http://www.w3.org/2000/svg";
  const shape = (tag, attributes, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const rowHeight = 26, labelWidth = 160, barWidth = 360, height = Math.max(1, students.length) * rowHeight + 8;
  svg.setAttribute("viewBox", `0 0 ${labelWidth + barWidth + 60} ${height}`);
  svg.replaceChildren(svg.querySelector("title"));
  students.forEach((row, index) => {
    const y = 4 + index * rowHeight;
    const name = row.name.length > 22 ? `${row.name.slice(0, 21)}…` : row.name;
    svg.append(shape("text", { x: 0, y: y + 16 }, name));
    svg.append(shape("rect", { class: "track", x: labelWidth, y: y + 4, width: barWidth, height: 16, rx: 3 }));
    svg.append(shape("rect", { class: "bar", x: labelWidth, y: y + 4, width: Math.round(barWidth * (row.rate ?? 0)), height: 16, rx: 3 }));
    svg.append(shape("text", { x: labelWidth + barWidth + 6, y: y + 16 }, percent(row.rate)));
  });
  if (!students.length) svg.append(shape("text", { x: 0, y: 20 }, "No students yet."));
}

async function download(path, filename) {
  showError("download-error", null);
  try {
    const response = await fetch(path, { headers: { Authorization: state.token } });
    if (!response.ok) throw new Error((await response.json()).error);
    const link = element("a", { href: URL.createObjectURL(await response.blob()), download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (error) {
    showError("download-error", error);
  }
}

// ---------------------------------------------------------------- teacher: check-in screen

async function showCheckIn(classId) {
  const classroom = state.classes.get(classId);
  $("check-in-title").textContent = `Check in to ${classroom ? classroom.className : "the class"}`;
  $("check-in-back").href = `#/class/${classId}`;
  $("check-in-address").textContent = `${location.host}/#/check-in/${classId}`;
  showError("check-in-error", null);
  show("check-in-view");
  let checkIn;
  try {
    checkIn = await api("POST", `/class/${classId}/check-in/open`);
  } catch (error) {
    return showError("check-in-error", error);
  }
  const showCode = (current) => {
    $("check-in-code").textContent = current.code ?? "—";
    $("check-in-qr").innerHTML = current.qrSvg ?? "";
    checkIn = current;
  };
  showCode(checkIn);
  renderCheckInCount(classId);
  state.checkInTimer = setInterval(async () => {
    const left = Math.max(0, Math.ceil((new Date(checkIn.validUntil) - Date.now()) / 1000));
    $("check-in-countdown").textContent = `New code in ${left} s`;
    renderCheckInCount(classId);
    if (left === 0) {
      try { showCode(await api("GET", `/class/${classId}/check-in`)); } catch (error) { showError("check-in-error", error); }
    }
  }, 1000);
}

function renderCheckInCount(classId) {
  const session = state.live.get(classId)?.session;
  if (!session) return ($("check-in-count").textContent = "The session has ended.");
  const marks = [...session.marks.values()];
  const checkedIn = marks.filter((m) => m.checkedIn).length;
  const present = marks.filter((m) => m.status === "present").length;
  $("check-in-count").textContent = `${checkedIn} checked in; ${present} of ${state.classes.get(classId)?.studentIds.length ?? "?"} present`;
}

async function closeCheckIn() {
  const classId = route().id;
  try {
    await api("POST", `/class/${classId}/check-in/close`);
    location.hash = `#/class/${classId}`;
  } catch (error) {
    showError("check-in-error", error);
  }
}

// ---------------------------------------------------------------- student

// What a student's card shows from HTTP; the report covers all their classes, so it is read
// once for however many classes are loaded.
async function loadPersisted(classIds) {
  if (!classIds.length) return;
  const report = await api("GET", "/me/report");
  await Promise.all(classIds.map(async (classId) => {
    const [mine, history] = await Promise.all([
      api("GET", `/class/${classId}/my-attendance`),
      api("GET", `/class/${classId}/my-history`),
    ]);
    state.persisted.set(classId, { mine, history, report: report.find((r) => r.classId === classId) });
  }));
}

async function showStudentHome() {
  await loadPersisted([...state.classes.keys()].filter((id) => !state.persisted.has(id)));
  show("student-view");
  renderStudentHome();
}

function renderStudentHome() {
  const items = [...state.classes.values()]
    .filter((classroom) => state.persisted.has(classroom.id))
    .map((classroom) => studentCard(classroom, state.persisted.get(classroom.id)));
  $("student-classes").replaceChildren(...items);
  if (!items.length) $("student-classes").append(element("li", { textContent: "You are in no class yet: your teacher adds you." }));
}

function studentCard(classroom, { mine, history, report }) {
  const cls = state.live.get(classroom.id);
  const session = cls?.session;
  const live = element("p", { className: "live-line" });
  live.dataset.liveIn = classroom.id;
  if (session) {
    const mark = session.marks.get(state.me.id);
    live.append(`Attendance started at ${time(session.startedAt)}. Your status: `,
      element("span", { className: `status-${mark ? mark.status : "none"}`, textContent: mark ? mark.status : "not yet marked" }));
  } else if (cls?.final) {
    live.append(`Attendance saved: ${counts(cls.final)}.`);
  } else {
    live.append("No live session.");
  }
  const card = element("li", {}, element("h3", { textContent: classroom.className }), live);
  if (session?.checkInOpen && !session.marks.get(state.me.id)) {
    card.append(element("a", { className: "button", href: `#/check-in/${classroom.id}`, textContent: "Check in" }));
  }
  const last = element("p", {}, "Last session: ", element("span", { textContent: mine.status ?? "none yet" }));
  const rate = report && report.sessions ? element("p", { textContent: `Attendance rate: ${percent(report.rate)} over ${report.sessions} session(s)` }) : "";
  const past = element("details", {}, element("summary", { textContent: `History (${history.length})` }),
    element("ul", {}, ...history.map((h) => element("li", { textContent: `${new Date(h.startedAt).toLocaleDateString()} ${time(h.startedAt)}: ${h.status}${h.corrected ? " (corrected)" : ""}` }))));
  card.append(last, rate, past);
  return card;
}

function showStudentCheckIn(classId, code) {
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

// ---------------------------------------------------------------- forms and buttons

function formData(form) { return Object.fromEntries(new FormData(form).entries()); }

function onSubmit(id, handler) {
  $(id).addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const button = form.querySelector("button[type=submit]");
    showError(formError(form), null);
    button.disabled = true;
    try { await handler(form); } catch (error) { showError(formError(form), error); } finally { button.disabled = false; }
  });
}

onSubmit("login-form", async (form) => {
  const { token } = await api("POST", "/auth/login", formData(form));
  await signedIn(token);
});

onSubmit("signup-form", async (form) => {
  const body = formData(form);
  await api("POST", "/auth/signup", body);
  const { token } = await api("POST", "/auth/login", { email: body.email, password: body.password });
  await signedIn(token);
});

onSubmit("create-class-form", async (form) => {
  const created = await api("POST", "/class", formData(form));
  form.reset();
  await loadClasses();
  resync();
  location.hash = `#/class/${created.id}`;
});

onSubmit("rename-form", async (form) => {
  await changeClass({ className: formData(form).className.trim() });
});

onSubmit("report-form", async (form) => {
  await loadReport(form.dataset.classId);
});

onSubmit("check-in-form", async (form) => {
  const classId = form.dataset.classId;
  $("check-in-result").textContent = "";
  await api("POST", `/class/${classId}/check-in`, { code: formData(form).code.trim() });
  $("check-in-result").textContent = "You are checked in: present.";
});

$("start-session").onclick = startAttendance;
$("show-summary").onclick = () => send("TODAY_SUMMARY", { classId: route().id }, "session-error");
$("done").onclick = finishAttendance;
$("student-search").oninput = searchStudents;
$("private-marks").onchange = () => changeClass({ privateMarks: $("private-marks").checked });
$("allow-late").onchange = changeStatuses;
$("allow-excused").onchange = changeStatuses;
$("archive").onclick = toggleArchived;
$("show-archived").onchange = async () => {
  state.showArchived = $("show-archived").checked;
  await loadClasses();
  showTeacherHome();
};
$("download-report").onclick = () => download(`/class/${route().id}/report.csv${reportQuery()}`, "report.csv");
$("download-history").onclick = () => download(`/class/${route().id}/attendance.csv`, "attendance.csv");
$("close-check-in").onclick = closeCheckIn;
$("logout").onclick = logOut;

start();
