// What the client knows: one state, filled over HTTP and by the live socket's SESSION_STATE,
// and kept current by the numbered events. Every screen reads it; only the modules named in
// each comment write the part they own.

export const state = {
  token: localStorage.getItem("token"),
  me: null,
  socket: null, // live.js
  retry: 0,
  reconnecting: false,
  classes: new Map(), // id -> {id, className, teacherId, studentIds, archived, removed}: api.js; live.js updates className and archived, app.js sets removed
  stateAsked: false, // live.js: a RESYNC waits for its SESSION_STATE
  stateSeen: false, // live.js: a SESSION_STATE came since the page loaded
  live: new Map(), // classId -> {seq, privateMarks, statuses, archived, session, summary, final, early: Map seq -> frame}
  roster: new Map(), // the open class's students: id -> {id, name, email}
  lastSessions: new Map(), // a teacher's classId -> its newest finished session (history.js), or null
  persisted: new Map(), // a student's classId -> {mine, history, report}, from HTTP
  showArchived: false,
  gapTimer: null,
  errorTarget: null, // where the answer to the last live event goes if it is an ERROR
  checkInTimer: null,
};
