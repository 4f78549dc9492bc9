// The live socket (protocol v2): SESSION_STATE fills state.live, the numbered events keep it
// current in each class's order, and a lost connection is retried. What the screens do about
// a change is given by app.js in `hooks`.

import { $, notice, showError } from "./dom.js";
import { state } from "./state.js";

const V2 = "live-attendance.v2";
const GAP_WAIT_MS = 1000; // frames from another server process may arrive a little late
const SIGNED_OUT = 4401; // the server revoked the socket's token; the close's reason says why
const UNAUTHORIZED = "Unauthorized or invalid token"; // a new socket's token is not taken

export const hooks = {
  changed: () => {}, // the live state changed: redraw the screen
  ended: (classId) => {}, // a class's session ended (DONE): read what was saved
  joined: (classId) => {}, // the student was added to a class
  left: (classId) => {}, // the student was taken off a class: it hears nothing more of it
  updated: (classId) => {}, // the class was renamed, archived or changed (state.classes too)
  corrected: (data) => {}, // a finished session's record was corrected {classId, sessionId, studentId, status}
  restated: () => {}, // a state the client did not ask for (a reconnect): records may be stale
  signedOut: (reason) => {}, // the server no longer takes the token ("Signed out: ..." or "")
};

function setConnection(text, open) {
  const badge = $("connection");
  badge.hidden = false;
  badge.textContent = text;
  badge.dataset.state = open ? "open" : "closed";
}

export function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(state.token)}`, V2);
  state.socket = socket;
  setConnection("Live: connecting…", false);
  socket.onopen = () => { state.retry = 0; setConnection("Live: connected", true); };
  socket.onmessage = (message) => onFrame(JSON.parse(message.data));
  socket.onclose = (event) => {
    if (state.socket !== socket || !state.token) return;
    if (event.code === SIGNED_OUT) return hooks.signedOut(event.reason);
    const delay = Math.min(10000, 500 * 2 ** state.retry++);
    state.reconnecting = true;
    setConnection("Live: reconnecting…", false);
    notice("Connection lost: reconnecting…", true);
    setTimeout(() => { if (state.token && state.socket === socket) connect(); }, delay);
  };
}

// Closes the socket without reconnecting (the client opens another with connect()).
export function disconnect() {
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.close();
}

export function send(event, data, errorTarget) {
  state.errorTarget = errorTarget || null;
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) {
    showError(errorTarget, "Not connected yet: try again in a moment.");
    return false;
  }
  state.socket.send(JSON.stringify({ event, data }));
  return true;
}

export function resync() {
  clearTimeout(state.gapTimer);
  state.gapTimer = null;
  if (send("RESYNC", {})) state.stateAsked = true;
}

function onFrame(frame) {
  const { event, data } = frame;
  if (event === "ERROR" && data.message === UNAUTHORIZED) {
    hooks.signedOut(""); // a reconnect with a token revoked meanwhile
  } else if (event === "ERROR") {
    showError(state.errorTarget || "session-error", data.message);
    if (!state.errorTarget) notice(data.message);
  } else if (event === "SESSION_STATE") {
    const unasked = state.stateSeen && !state.stateAsked;
    state.stateSeen = true;
    state.stateAsked = false;
    applyState(data.classes);
    if (unasked) hooks.restated(); // corrections are not in the state: read the records again
  } else if (event === "CLASS_JOINED") {
    hooks.joined(data.classId);
  } else if (event === "CLASS_LEFT") {
    state.live.delete(data.classId);
    hooks.left(data.classId);
  } else if (event === "ATTENDANCE_CORRECTED") {
    // The counts heard at DONE no longer hold for that session: the records say what does.
    const cls = state.live.get(data.classId);
    if (cls?.final?.sessionId === data.sessionId) cls.final = null;
    hooks.corrected(data);
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
    describeClass(entry.classId, entry);
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
  hooks.changed();
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
  hooks.changed();
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
  } else if (event === "CLASS_UPDATED") {
    Object.assign(cls, { privateMarks: data.privateMarks, statuses: data.statuses, archived: data.archived });
    describeClass(data.classId, data);
    hooks.updated(data.classId);
  } else if (event === "DONE" || event === "SESSION_ENDED") {
    if (!cls.session) return; // DONE, then SESSION_ENDED with the same number
    cls.final = { ...data, sessionId: cls.session.id, startedAt: cls.session.startedAt, marks: cls.session.marks };
    cls.session = null;
    hooks.ended(data.classId);
  }
}

// The class's name and whether it is archived, as the server says now (SESSION_STATE and
// CLASS_UPDATED), wherever the client lists the class.
function describeClass(classId, { className, archived }) {
  const classroom = state.classes.get(classId);
  if (!classroom) return;
  if (className !== undefined) classroom.className = className;
  classroom.archived = archived;
}
