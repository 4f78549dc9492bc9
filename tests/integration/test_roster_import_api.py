"""Roster CSV imports against the real server and database: a preview changes nothing, the
same file applied makes the accounts (with links that work once) and the enrolments, again
changes nothing; a teacher imports into their own classes only; an admin makes classes for
teachers; the classes hear who joined."""

import csv
import io
from uuid import uuid4

import pytest

from tests.integration import test_admin_api

make_admin = test_admin_api.make_admin  # the fixture, shared

FORBIDDEN_ADMIN = {"success": False, "error": "Forbidden, admin access required"}
FORBIDDEN_TEACHER = {"success": False, "error": "Forbidden, teacher access required"}
NOT_CLASS_TEACHER = {"success": False, "error": "Forbidden, not class teacher"}


def roster(*rows: str, header: str = "name,email") -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def send(api, path: str, body: bytes, account=None):
    headers = {"Content-Type": "text/csv", **(account.auth if account else {})}
    return api.post(path, content=body, headers=headers)


def post_csv(api, path: str, body: bytes, account) -> dict:
    answer = send(api, path, body, account)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def refusal(status: int, error: str) -> tuple[int, dict]:
    return status, {"success": False, "error": error}


def tag() -> str:
    return uuid4().hex[:10]


def students_of(api, teacher, class_id: str) -> list[dict]:
    return api.get(f"/class/{class_id}", headers=teacher.auth).json()["data"]["students"]


def test_a_teacher_previews_then_applies_a_roster_and_again_changes_nothing(
    api, make_account, make_class
):
    teacher, known = make_account("teacher"), make_account()
    classroom = make_class(teacher)
    t = tag()
    body = roster(
        f"Ana {t},ana.{t}@school.test",
        f"  Ben {t} , BEN.{t}@School.test ",
        f"whoever,{known.email.upper()}",
        f"Bad {t},not-an-email",
    )
    path = f"/class/{classroom['id']}/roster"
    preview = post_csv(api, f"{path}/preview", body, teacher)
    assert preview["applied"] is False
    assert [(r["line"], r["outcome"], r["reason"]) for r in preview["rows"]] == [
        (2, "created", None),
        (3, "created", None),
        (4, "enrolled", None),
        (5, "refused", "malformed-email"),
    ]
    assert preview["rows"][3]["message"] == "Not an email address"
    assert {r["className"] for r in preview["rows"]} == {"Maths 101"}
    assert preview["counts"] == {"created": 2, "enrolled": 1, "unchanged": 0, "refused": 1}
    assert preview["links"] == [] and preview["linksCsv"] is None
    assert students_of(api, teacher, classroom["id"]) == []  # the preview changed nothing

    applied = post_csv(api, f"{path}/apply", body, teacher)
    assert applied["applied"] is True and applied["counts"] == preview["counts"]
    assert [s["name"] for s in students_of(api, teacher, classroom["id"])] == [
        f"Ana {t}", f"Ben {t}", known.name,
    ]  # fmt: skip
    assert [(link["name"], link["email"]) for link in applied["links"]] == [
        (f"Ana {t}", f"ana.{t}@school.test"), (f"Ben {t}", f"BEN.{t}@School.test"),
    ]  # fmt: skip
    assert applied["linksCsv"].startswith("\ufeffname,email,link,expires_at\r\n")

    again = post_csv(api, f"{path}/apply", body, teacher)
    assert again["counts"] == {"created": 0, "enrolled": 0, "unchanged": 3, "refused": 1}
    assert again["links"] == []
    assert len(students_of(api, teacher, classroom["id"])) == 3


def test_an_imported_student_cannot_log_in_until_they_chose_a_password_with_their_link(
    api, make_account, make_class
):
    teacher = make_account("teacher")
    classroom = make_class(teacher)
    email = f"new.{tag()}@school.test"
    applied = post_csv(
        api, f"/class/{classroom['id']}/roster/apply", roster(f"New One,{email}"), teacher
    )
    (link,) = applied["links"]
    assert link["link"].startswith(f"{api.base_url}/#/set-password/")
    token = link["link"].rsplit("/", 1)[1]
    for guess in ("", "!", "password"):
        refused = api.post("/auth/login", json={"email": email, "password": guess or "x" * 6})
        assert refused.status_code == 400
    chosen = api.post("/auth/password", json={"token": token, "password": "chosen-1"})
    assert chosen.status_code == 200 and chosen.json()["data"]["role"] == "student"
    login = api.post("/auth/login", json={"email": email, "password": "chosen-1"})
    assert login.status_code == 200
    again = api.post("/auth/password", json={"token": token, "password": "chosen-2"})
    assert again.status_code == 400  # the link worked once


def test_a_deactivated_student_is_refused_saying_why_and_stays_deactivated(
    api, make_account, make_class, make_admin
):
    teacher, pupil, other, admin = (
        make_account("teacher"), make_account(), make_account(), make_admin(),
    )  # fmt: skip
    classroom = make_class(teacher)
    assert api.post(f"/admin/users/{pupil.id}/deactivate", headers=admin.auth).is_success
    body = roster(f"{pupil.name},{pupil.email}", f"{other.name},{other.email}")
    applied = post_csv(api, f"/class/{classroom['id']}/roster/apply", body, teacher)
    assert [(r["line"], r["outcome"], r["reason"]) for r in applied["rows"]] == [
        (2, "refused", "account-deactivated"),
        (3, "enrolled", None),
    ]
    assert applied["rows"][0]["message"] == (
        "The student's account is deactivated (reactivate it first)"
    )
    assert [s["id"] for s in students_of(api, teacher, classroom["id"])] == [str(other.id)]
    login = api.post("/auth/login", json={"email": pupil.email, "password": pupil.password})
    assert login.status_code == 403  # still deactivated


def test_a_teacher_imports_into_their_own_classes_only(api, make_account, make_class):
    teacher, other = make_account("teacher"), make_account("teacher")
    mine = make_class(teacher, name=f"Mine {tag()}")
    theirs = make_class(other, name=f"Theirs {tag()}")
    body = roster(
        f"Ana,ana.{tag()}@school.test,{theirs['className']}",
        f"Ben,ben.{tag()}@school.test,{mine['className']}",
        header="name,email,class",
    )
    own = post_csv(api, f"/class/{mine['id']}/roster/apply", body, teacher)
    assert [(r["outcome"], r["reason"]) for r in own["rows"]] == [
        ("refused", "not-your-class"),
        ("created", None),
    ]
    assert students_of(api, other, theirs["id"]) == []
    for action in ("preview", "apply"):
        foreign = send(api, f"/class/{theirs['id']}/roster/{action}", body, teacher)
        assert (foreign.status_code, foreign.json()) == (403, NOT_CLASS_TEACHER)
        missing = send(api, f"/class/{uuid4()}/roster/{action}", body, teacher)
        assert missing.status_code == 404 and missing.json()["error"] == "Class not found"
    assert students_of(api, other, theirs["id"]) == []


def test_only_teachers_use_the_class_routes_and_only_admins_the_admin_routes(
    api, make_account, make_class, make_admin
):
    teacher, student, admin = make_account("teacher"), make_account(), make_admin()
    classroom = make_class(teacher)
    body = roster(f"Ana,ana.{tag()}@school.test")
    for action in ("preview", "apply"):
        for caller in (student, admin):
            answer = send(api, f"/class/{classroom['id']}/roster/{action}", body, caller)
            assert (answer.status_code, answer.json()) == (403, FORBIDDEN_TEACHER)
        for path in (f"/admin/roster/{action}", f"/admin/oneroster/{action}"):
            for caller in (student, teacher):
                answer = send(api, path, body, caller)
                assert (answer.status_code, answer.json()) == (403, FORBIDDEN_ADMIN)
            assert send(api, path, body).status_code == 401
    assert students_of(api, teacher, classroom["id"]) == []


def test_an_admin_makes_classes_for_teachers_who_then_teach_them(api, make_account, make_admin):
    admin, teacher, pupil = make_admin(), make_account("teacher"), make_account()
    art = f"Art {tag()}"
    body = roster(
        f"Ana,ana.{tag()}@school.test,{art},{teacher.email}",
        f"{pupil.name},{pupil.email},{art.upper()},{teacher.email}",
        f"Cy,cy.{tag()}@school.test,{art}",
        f"Teach,{teacher.email},{art},{teacher.email}",
        header="name,email,class,teacher",
    )
    preview = post_csv(api, "/admin/roster/preview", body, admin)
    assert [(r["outcome"], r["reason"], r["newClass"]) for r in preview["rows"]] == [
        ("created", None, True),
        ("enrolled", None, True),
        ("created", None, True),  # no teacher named: the class of that name the file makes
        ("refused", "role-conflict", False),
    ]
    assert preview["classesCreated"] == [art]
    assert api.get("/class", headers=teacher.auth).json()["data"] == []
    applied = post_csv(api, "/admin/roster/apply", body, admin)
    (made,) = api.get("/class", headers=teacher.auth).json()["data"]
    assert made["className"] == art and len(made["studentIds"]) == 3
    assert applied["classesCreated"] == [art]
    again = post_csv(api, "/admin/roster/apply", body, admin)
    assert [r["outcome"] for r in again["rows"]] == ["unchanged"] * 3 + ["refused"]
    assert again["classesCreated"] == []


def test_columns_are_found_by_name_in_any_order_case_and_spacing(api, make_account, make_class):
    teacher = make_account("teacher")
    classroom = make_class(teacher)
    email = f"ana.{tag()}@school.test".encode()
    body = b"\xef\xbb\xbf Email , NAME ,Notes\n" + email + b",Ana,hi\n\n"
    preview = post_csv(api, f"/class/{classroom['id']}/roster/preview", body, teacher)
    assert [(r["name"], r["outcome"]) for r in preview["rows"]] == [("Ana", "created")]
    assert preview["ignoredColumns"] == ["notes"]


def test_names_that_look_like_formulas_are_kept_and_neutralised_in_the_links_csv(
    api, make_account, make_class
):
    teacher = make_account("teacher")
    classroom = make_class(teacher)
    formula = '=HYPERLINK("http://evil.test","x")'
    body = roster(f'"{formula.replace(chr(34), chr(34) * 2)}",f.{tag()}@school.test')
    applied = post_csv(api, f"/class/{classroom['id']}/roster/apply", body, teacher)
    assert [s["name"] for s in students_of(api, teacher, classroom["id"])] == [formula]
    (name, *_), *_ = list(csv.reader(io.StringIO(applied["linksCsv"].lstrip("\ufeff"))))[1:]
    assert name == "'" + formula


LONG_ROW = "A row over 65536 characters (an unclosed quote?)"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"name,email\nAna,ana@school.test\n\xff\xfe,x@x.test\n", "Not UTF-8 text (line 3)"),
        (",".join(f"c{i}" for i in range(10_000)).encode(), "More than 200 columns (line 1)"),
        (b"name,email\n" + b"x" * 2_000 + b",a@x.test\n", "A cell over 1000 characters (line 2)"),
        (b'name,email\n"Ana,a@x.test\n' + b"x" * 70_000, f"{LONG_ROW} (line 2)"),
        (b"name\nAna\n", "Missing columns: email (line 1)"),
        (b"name,email,Name\n", "A column named twice: name (line 1)"),
        (b"", "No header row (line 1)"),
    ],
)  # fmt: skip
def test_files_that_cannot_be_read_are_refused_saying_why_and_where(
    api, make_account, make_class, body, error
):
    teacher = make_account("teacher")
    classroom = make_class(teacher)
    for action in ("preview", "apply"):
        answer = send(api, f"/class/{classroom['id']}/roster/{action}", body, teacher)
        assert (answer.status_code, answer.json()) == refusal(400, error)
    assert students_of(api, teacher, classroom["id"]) == []


def test_a_file_over_the_import_limit_is_413_and_one_over_the_body_limit_is_taken(
    api, make_account, make_class
):
    teacher = make_account("teacher")
    classroom = make_class(teacher)
    rows = [f"Student {i},s{i}.{tag()}@school.test" for i in range(3000)]
    body = roster(*rows)
    assert len(body) > 64 * 1024  # over MAX_BODY_BYTES, which other routes keep
    preview = post_csv(api, f"/class/{classroom['id']}/roster/preview", body, teacher)
    assert preview["counts"]["created"] == 3000
    huge = b"name,email\n" + b"x,y@school.test\n" * (9 * 2**20 // 16)
    answer = send(api, f"/class/{classroom['id']}/roster/preview", huge, teacher)
    assert (answer.status_code, answer.json()) == refusal(413, "Payload too large")
    too_big = api.post("/class", content=b"{" + b" " * 70_000 + b"}", headers=teacher.auth)
    assert too_big.status_code == 413
