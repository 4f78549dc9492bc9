"""Reports over the whole history read the kept totals; over a period they count the records.
For every report (the teacher's, as JSON and CSV, the student's own, the administrator's of a
class and of the school) the whole history must answer exactly what counting every record
answers: here, a period that holds every session there is. The class has late and excused,
corrections (one back and forth), students removed, one added back, one enrolled late, a
status turned off after use, and an archived sibling class."""

from tests.integration import test_admin_api
from tests.integration.test_records import enable, run_session

make_admin = test_admin_api.make_admin  # its fixture, shared
EVERY_DAY = {"from": "1970-01-01", "to": "9999-12-31"}


def answer(api, path: str, who, **params) -> object:
    found = api.get(path, params=params, headers=who.auth)
    assert found.status_code == 200, (path, found.text)
    if found.headers["content-type"].startswith("text/csv"):
        return found.content
    data = found.json()["data"]
    if isinstance(data, dict):  # the period asked for is part of the answer
        data.pop("from", None), data.pop("to", None)
    return data


def test_every_whole_history_report_answers_what_counting_the_records_answers(
    api, make_admin, make_account, make_class, start_session, live
):
    teacher, admin = make_account("teacher"), make_admin()
    ada, ben, cy, dan, eve = (make_account() for _ in range(5))
    classroom = make_class(teacher, ada, ben, cy, dan)
    sibling = make_class(teacher, ada, cy, name="Sibling")
    path = f"/class/{classroom['id']}"
    enable(api, teacher, classroom, "late", "excused")
    run_session(start_session, live, teacher, classroom, {ada: "late", ben: "excused"})
    run_session(start_session, live, teacher, classroom, {ada: "present", cy: "late"})
    run_session(start_session, live, teacher, sibling, {ada: "present"})
    api.patch(f"/class/{sibling['id']}", json={"archived": True}, headers=teacher.auth)
    sessions = api.get(f"{path}/attendance", headers=teacher.auth).json()["data"]
    for session, student, status in (
        (sessions[0], cy, "excused"),
        (sessions[1], ada, "absent"),
        (sessions[1], ada, "late"),  # and back
        (sessions[1], dan, "present"),
    ):
        corrected = api.post(
            f"{path}/attendance/{session['id']}/corrections",
            json={"studentId": str(student.id), "status": status},
            headers=teacher.auth,
        )
        assert corrected.status_code == 201, corrected.text
    for leaving in (ben, dan):
        assert api.delete(f"{path}/students/{leaving.id}", headers=teacher.auth).is_success
    for joining in (dan, eve):  # Dan back, Eve new: no records yet
        added = api.post(
            f"{path}/add-student", json={"studentId": str(joining.id)}, headers=teacher.auth
        )
        assert added.status_code == 200, added.text
    run_session(start_session, live, teacher, classroom, {eve: "present", ada: "excused"})
    enable(api, teacher, classroom)  # late and excused off: what was counted stays

    report = answer(api, f"{path}/report", teacher)
    by_student = {row["studentId"]: row for row in report["students"]}
    assert by_student[str(ben.id)]["enrolled"] is False and by_student[str(ben.id)]["sessions"]
    assert [by_student[str(ada.id)][k] for k in ("sessions", "present", "late", "excused")] == [
        3, 1, 1, 1,
    ]  # fmt: skip
    for path_, who in (
        (f"{path}/report", teacher),
        (f"{path}/report.csv", teacher),
        (f"/class/{sibling['id']}/report", teacher),
        ("/me/report", ada),
        ("/me/report", ben),
        ("/me/report", dan),
        ("/me/report", eve),
        (f"/admin/classes/{classroom['id']}/report", admin),
        (f"/admin/classes/{sibling['id']}/report.csv", admin),
        ("/admin/report", admin),
        ("/admin/report.csv", admin),
    ):
        assert answer(api, path_, who) == answer(api, path_, who, **EVERY_DAY), path_
