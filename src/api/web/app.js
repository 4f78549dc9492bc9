// Live Attendance web client: plain JavaScript, no build step. Talks to the same API as any
// other client (JSON envelope over HTTP, live events over /ws).
"use strict";

const state = { token: localStorage.getItem("token"), me: null, socket: null, retry: 0, classId: null };
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = state.token;
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const payload = await response.json();
  if (!payload.success) throw new Error(payload.error);
  return payload.data;
}

function say(text) { $("message").textContent = text || ""; }

function show(viewId) {
  for (const id of ["auth-view", "teacher-view", "class-view", "student-view"]) $(id).hidden = id !== viewId;
}

function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
}

// ---------------------------------------------------------------- session and socket

async function start() {
  if (!state.token) return show("auth-view");
  try {
    state.me = await api("GET", "/auth/me");
  } catch {
    return logOut();
  }
  $("who").textContent = `${state.me.name} (${state.me.role})`;
  $("logout").hidden = false;
  connect();
  if (state.me.role === "teacher") await showTeacherHome();
  else await showStudentHome();
}

function logOut() {
  localStorage.removeItem("token");
  Object.assign(state, { token: null, me: null, classId: null });
  if (state.socket) state.socket.close();
  $("who").textContent = "";
  $("logout").hidden = true;
  $("connection").hidden = true;
  show("auth-view");
}

function setConnection(text, open) {
  const badge = $("connection");
  badge.hidden = false;
  badge.textContent = text;
  badge.dataset.state = open ? "open" : "closed";
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(state.token)}`);
  state.socket = socket;
  setConnection("Live: connecting…", false);
  socket.onopen = () => { state.retry = 0; setConnection("Live: connected", true); };
  socket.onmessage = (message) => onEvent(JSON.parse(message.data));
  socket.onclose = () => {
    if (state.socket !== socket || !state.token) return;
    const delay = Math.min(10000, 500 * 2 ** state.retry++);
    setConnection(`Live: reconnecting in ${Math.round(delay / 1000)} s…`, false);
    setTimeout(() => { if (state.token && state.socket === socket) connect(); }, delay);
  };
}

function send(event, data) {
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) return say("Not connected yet, try again in a moment.");
  state.socket.send(JSON.stringify({ event, data }));
}

function counts(data) { return `${data.present} present, ${data.absent} absent, ${data.total} total`; }

function onEvent({ event, data }) {
  if (event === "ERROR") return say(data.message);
  if (event === "ATTENDANCE_MARKED") {
    const cell = document.querySelector(`[data-status-of="${data.studentId}"]`);
    if (cell) setStatus(cell, data.status);
    if (state.me.role === "student" && data.studentId === state.me.id) setStatus($("live-status"), data.status);
  } else if (event === "TODAY_SUMMARY") {
    $("summary").textContent = `So far: ${counts(data)}`;
  } else if (event === "MY_ATTENDANCE") {
    setStatus($("live-status"), data.status);
  } else if (event === "DONE") {
    if (state.me.role === "teacher") {
      $("summary").textContent = `${data.message}: ${counts(data)}`;
      if (state.classId) loadHistory(state.classId);
    } else {
      $("live-summary").textContent = `${data.message}: ${counts(data)}`;
      showStudentHome();
    }
  }
}

function setStatus(node, status) {
  node.textContent = status;
  node.className = `status-${status}`;
}

// ---------------------------------------------------------------- teacher

async function showTeacherHome() {
  state.classId = null;
  show("teacher-view");
  const list = $("teacher-classes");
  list.replaceChildren();
  for (const classroom of await api("GET", "/class")) {
    const open = element("button", { type: "button", textContent: "Open" });
    open.setAttribute("aria-label", `Open ${classroom.className}`);
    open.onclick = () => openClass(classroom.id);
    list.append(element("li", {}, element("span", { textContent: `${classroom.className} (${classroom.studentIds.length} students)` }), open));
  }
}

async function openClass(classId) {
  state.classId = classId;
  say("");
  $("summary").textContent = "";
  const [details, students] = await Promise.all([api("GET", `/class/${classId}`), api("GET", "/students")]);
  show("class-view");
  $("class-title").textContent = details.className;
  const enrolled = new Set(details.students.map((s) => s.id));
  $("student-picker").replaceChildren(
    ...students.filter((s) => !enrolled.has(s.id)).map((s) => element("option", { value: s.id, textContent: `${s.name} <${s.email}>` })),
  );
  $("roster").replaceChildren(...details.students.map(rosterRow));
  await loadHistory(classId);
}

function rosterRow(student) {
  const status = element("span", { textContent: "not yet updated" });
  status.dataset.statusOf = student.id;
  const buttons = ["present", "absent"].map((choice) => {
    const button = element("button", { type: "button", className: choice, textContent: choice === "present" ? "Present" : "Absent" });
    button.setAttribute("aria-label", `Mark ${student.name} ${choice}`);
    button.onclick = () => send("ATTENDANCE_MARKED", { studentId: student.id, status: choice, classId: state.classId });
    return button;
  });
  return element("tr", {}, element("td", { textContent: student.name }), element("td", {}, status), element("td", {}, element("div", { className: "mark" }, ...buttons)));
}

async function loadHistory(classId) {
  const sessions = await api("GET", `/class/${classId}/attendance`);
  $("class-history").replaceChildren(
    ...sessions.map((s) => element("li", { textContent: `${new Date(s.startedAt).toLocaleString()}: ${counts(s)}` })),
  );
  if (!sessions.length) $("class-history").append(element("li", { textContent: "No finished sessions yet." }));
}

// ---------------------------------------------------------------- student

async function showStudentHome() {
  show("student-view");
  const list = $("student-classes");
  const classes = await api("GET", "/class");
  const items = await Promise.all(classes.map(async (classroom) => {
    const [mine, history] = await Promise.all([
      api("GET", `/class/${classroom.id}/my-attendance`),
      api("GET", `/class/${classroom.id}/my-history`),
    ]);
    const check = element("button", { type: "button", className: "secondary", textContent: "Check my live status" });
    check.setAttribute("aria-label", `Check my live status in ${classroom.className}`);
    check.onclick = () => send("MY_ATTENDANCE", { classId: classroom.id });
    const last = element("span", { textContent: mine.status ?? "no finished session yet" });
    last.dataset.persistedIn = classroom.id;
    const past = element("ul", { ariaLabel: `History of ${classroom.className}` },
      ...history.map((h) => element("li", { textContent: `${new Date(h.startedAt).toLocaleString()}: ${h.status}` })));
    return element("li", {}, element("strong", { textContent: classroom.className }),
      element("span", {}, "Last session: ", last), check, past);
  }));
  list.replaceChildren(...items);
  if (!$("live-panel")) {
    list.before(element("p", { id: "live-panel" }, "Live status: ",
      element("span", { id: "live-status", textContent: "not yet updated" }), " ",
      element("span", { id: "live-summary" })));
    $("live-panel").setAttribute("aria-live", "polite");
  }
}

// ---------------------------------------------------------------- forms

function formData(form) { return Object.fromEntries(new FormData(form).entries()); }

function onSubmit(id, handler) {
  $(id).addEventListener("submit", async (event) => {
    event.preventDefault();
    say("");
    try { await handler(event.target); } catch (error) { say(error.message); }
  });
}

onSubmit("login-form", async (form) => {
  const { token } = await api("POST", "/auth/login", formData(form));
  state.token = token;
  localStorage.setItem("token", token);
  await start();
});

onSubmit("signup-form", async (form) => {
  const body = formData(form);
  await api("POST", "/auth/signup", body);
  const { token } = await api("POST", "/auth/login", { email: body.email, password: body.password });
  state.token = token;
  localStorage.setItem("token", token);
  await start();
});

onSubmit("create-class-form", async (form) => {
  await api("POST", "/class", formData(form));
  form.reset();
  await showTeacherHome();
});

onSubmit("add-student-form", async (form) => {
  const { studentId } = formData(form);
  if (!studentId) throw new Error("No student left to add.");
  await api("POST", `/class/${state.classId}/add-student`, { studentId });
  await openClass(state.classId);
});

$("start-session").onclick = async () => {
  try {
    const started = await api("POST", "/attendance/start", { classId: state.classId });
    for (const cell of document.querySelectorAll("[data-status-of]")) cell.textContent = "not yet updated";
    $("summary").textContent = `Attendance started at ${new Date(started.startedAt).toLocaleTimeString()}`;
  } catch (error) { say(error.message); }
};
$("show-summary").onclick = () => send("TODAY_SUMMARY", { classId: state.classId });
$("done").onclick = () => send("DONE", { classId: state.classId });
$("back").onclick = () => showTeacherHome();
$("logout").onclick = logOut;

start();
