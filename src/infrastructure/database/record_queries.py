"""The SQL of the records side: reports (counts per status over a period, for a class, a
student or the whole school) and the pages of a class's full history for its export."""

from infrastructure.database.rows import CURRENT_STATUS

# Counts per status, over a class's finished sessions that started in the period.
_TALLY_COLUMNS = f"""count(*) AS sessions,
           count(*) FILTER (WHERE {CURRENT_STATUS} = 'present') AS present,
           count(*) FILTER (WHERE {CURRENT_STATUS} = 'absent') AS absent,
           count(*) FILTER (WHERE {CURRENT_STATUS} = 'late') AS late,
           count(*) FILTER (WHERE {CURRENT_STATUS} = 'excused') AS excused"""


def _in_period(since: str, until: str) -> str:
    """A finished session `s` that started in the period between the parameters named."""
    return f"""s.ended_at IS NOT NULL
    AND ({since}::timestamptz IS NULL OR s.started_at >= {since})
    AND ({until}::timestamptz IS NULL OR s.started_at < {until})"""


_IN_PERIOD = _in_period("$2", "$3")

# Every enrolled student of the class, and anyone else with records in the period, with the
# number of sessions held in the period (one row even for a class of no one).
CLASS_REPORT = f"""
    WITH held AS (
        SELECT s.id FROM attendance_sessions s WHERE s.class_id = $1 AND {_IN_PERIOD}),
    tally AS (
        SELECT a.student_id, {_TALLY_COLUMNS}
        FROM attendance a WHERE a.class_id = $1 AND a.session_id IN (SELECT id FROM held)
        GROUP BY a.student_id),
    roster AS (
        SELECT e.id FROM classes c, unnest(c.student_ids) AS e(id) WHERE c.id = $1),
    people AS (
        SELECT id, true AS enrolled FROM roster
        UNION ALL
        SELECT student_id, false FROM tally WHERE student_id NOT IN (SELECT id FROM roster))
    SELECT h.held, u.id AS student_id, u.name, u.email, p.enrolled,
           COALESCE(t.sessions, 0) AS sessions, COALESCE(t.present, 0) AS present,
           COALESCE(t.absent, 0) AS absent, COALESCE(t.late, 0) AS late,
           COALESCE(t.excused, 0) AS excused
    FROM (SELECT count(*) AS held FROM held) h
    LEFT JOIN (people p JOIN users u ON u.id = p.id) ON true
    LEFT JOIN tally t ON t.student_id = p.id
    ORDER BY u.name, u.id"""

# Each class the student is enrolled in, with the sessions held and the student's counts.
STUDENT_REPORT = f"""
    SELECT c.*,
           (SELECT count(*) FROM attendance_sessions s WHERE s.class_id = c.id AND {_IN_PERIOD})
             AS held,
           t.*
    FROM classes c
    CROSS JOIN LATERAL (
        SELECT {_TALLY_COLUMNS}
        FROM attendance a JOIN attendance_sessions s ON s.id = a.session_id
        WHERE a.class_id = c.id AND a.student_id = $1 AND {_IN_PERIOD}) t
    WHERE c.student_ids @> ARRAY[$1::uuid]
    ORDER BY c.class_name, c.id"""

# Every class with its teacher, its roster's size, the sessions held in the period ($1, $2) and
# the counts of its records in them: one scan of each table, grouped, whatever the classes.
SCHOOL_REPORT = f"""
    WITH held AS (
        SELECT s.class_id, count(*) AS held FROM attendance_sessions s
        WHERE {_in_period("$1", "$2")} GROUP BY s.class_id),
    tally AS (
        SELECT a.class_id, {_TALLY_COLUMNS}
        FROM attendance a JOIN attendance_sessions s ON s.id = a.session_id
        WHERE {_in_period("$1", "$2")} GROUP BY a.class_id)
    SELECT c.id AS class_id, c.class_name, c.archived, cardinality(c.student_ids) AS students,
           u.id AS teacher_id, u.name AS teacher_name, u.email AS teacher_email,
           COALESCE(h.held, 0) AS held, COALESCE(t.sessions, 0) AS sessions,
           COALESCE(t.present, 0) AS present, COALESCE(t.absent, 0) AS absent,
           COALESCE(t.late, 0) AS late, COALESCE(t.excused, 0) AS excused
    FROM classes c JOIN users u ON u.id = c.teacher_id
    LEFT JOIN held h ON h.class_id = c.id
    LEFT JOIN tally t ON t.class_id = c.id
    ORDER BY c.class_name, c.id"""

# A class's finished sessions after a (started_at, id), oldest first: a page of its history.
SESSIONS_AFTER = """
    SELECT s.id, s.started_at
    FROM attendance_sessions s
    WHERE s.class_id = $1 AND s.ended_at IS NOT NULL
      AND ($2::timestamptz IS NULL OR (s.started_at, s.id) > ($2, $3::uuid))
    ORDER BY s.started_at, s.id
    LIMIT $4"""

# One row per student of those sessions, oldest session first.
HISTORY_ROWS = f"""
    SELECT s.id AS session_id, s.started_at, s.ended_at, a.student_id, u.name, u.email,
           {CURRENT_STATUS} AS status, a.status AS original,
           a.corrected_status IS NOT NULL AS corrected
    FROM attendance_sessions s
    JOIN attendance a ON a.session_id = s.id
    JOIN users u ON u.id = a.student_id
    WHERE s.id = ANY($1::uuid[])
    ORDER BY s.started_at, s.id, u.name, u.id"""
