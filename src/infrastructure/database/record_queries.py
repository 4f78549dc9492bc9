"""The SQL of the reports: counts per status over a period, for a class, a student or the
whole school. Over a period they count the records of the sessions held in it; over the whole
history (no period) they read the totals the database keeps (attendance_totals), one row per
class and student instead of every record."""

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

# Per student, over the class's whole history: the totals the database keeps as records are
# written (attendance_totals; every record belongs to a finished session of its class).
_TOTAL_COLUMNS = "sessions, present, absent, late, excused"


def _class_report(tally: str) -> str:
    """Every enrolled student of the class, and anyone else with records in the period, with
    the number of sessions held in the period (one row even for a class of no one); `tally`
    names each student's counts."""
    return f"""
    WITH held AS (
        SELECT s.id FROM attendance_sessions s WHERE s.class_id = $1 AND {_IN_PERIOD}),
    tally AS ({tally}),
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


# Over a period: the class's records in the sessions held in it, counted.
CLASS_REPORT = _class_report(
    f"""SELECT a.student_id, {_TALLY_COLUMNS}
        FROM attendance a WHERE a.class_id = $1 AND a.session_id IN (SELECT id FROM held)
        GROUP BY a.student_id"""
)
# Over the whole history ($2 and $3 NULL): the kept totals, one row per student.
CLASS_REPORT_WHOLE = _class_report(
    f"SELECT student_id, {_TOTAL_COLUMNS} FROM attendance_totals"
    " WHERE class_id = $1 AND sessions > 0"
)


def _student_report(tally: str) -> str:
    """Each class the student ($1) is enrolled in, with the sessions held and the student's
    counts (`tally`, a row of them joined to the class `c`)."""
    return f"""
    SELECT c.*,
           (SELECT count(*) FROM attendance_sessions s WHERE s.class_id = c.id AND {_IN_PERIOD})
             AS held,
           t.*
    FROM classes c
    {tally}
    WHERE c.student_ids @> ARRAY[$1::uuid]
    ORDER BY c.class_name, c.id"""


STUDENT_REPORT = _student_report(
    f"""CROSS JOIN LATERAL (
        SELECT {_TALLY_COLUMNS}
        FROM attendance a JOIN attendance_sessions s ON s.id = a.session_id
        WHERE a.class_id = c.id AND a.student_id = $1 AND {_IN_PERIOD}) t"""
)
STUDENT_REPORT_WHOLE = _student_report(
    f"""CROSS JOIN LATERAL (
        SELECT {", ".join(f"COALESCE(sum({n}), 0) AS {n}" for n in _TOTAL_COLUMNS.split(", "))}
        FROM attendance_totals WHERE class_id = c.id AND student_id = $1) t"""
)


def _school_report(tally: str) -> str:
    """Every class with its teacher, its roster's size, the sessions held in the period ($1,
    $2) and the counts of its records in them (`tally`, per class): one pass over each table,
    grouped, whatever the classes."""
    return f"""
    WITH held AS (
        SELECT s.class_id, count(*) AS held FROM attendance_sessions s
        WHERE {_in_period("$1", "$2")} GROUP BY s.class_id),
    tally AS ({tally})
    SELECT c.id AS class_id, c.class_name, c.archived, cardinality(c.student_ids) AS students,
           u.id AS teacher_id, u.name AS teacher_name, u.email AS teacher_email,
           COALESCE(h.held, 0) AS held, COALESCE(t.sessions, 0) AS sessions,
           COALESCE(t.present, 0) AS present, COALESCE(t.absent, 0) AS absent,
           COALESCE(t.late, 0) AS late, COALESCE(t.excused, 0) AS excused
    FROM classes c JOIN users u ON u.id = c.teacher_id
    LEFT JOIN held h ON h.class_id = c.id
    LEFT JOIN tally t ON t.class_id = c.id
    ORDER BY c.class_name, c.id"""


SCHOOL_REPORT = _school_report(
    f"""SELECT a.class_id, {_TALLY_COLUMNS}
        FROM attendance a JOIN attendance_sessions s ON s.id = a.session_id
        WHERE {_in_period("$1", "$2")} GROUP BY a.class_id"""
)
SCHOOL_REPORT_WHOLE = _school_report(
    f"""SELECT class_id, {", ".join(f"sum({n}) AS {n}" for n in _TOTAL_COLUMNS.split(", "))}
        FROM attendance_totals GROUP BY class_id"""
)
