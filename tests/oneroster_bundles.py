"""OneRoster 1.1 CSV bundles for tests and the benchmark, written as a SIS would: the manifest
and the users, classes and enrollments tables with their full 1.1 headers."""

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping

USERS = [
    "sourcedId",
    "status",
    "dateLastModified",
    "enabledUser",
    "orgSourcedIds",
    "role",
    "username",
    "userIds",
    "givenName",
    "familyName",
    "middleName",
    "identifier",
    "email",
    "sms",
    "phone",
    "agentSourcedIds",
    "grades",
    "password",
]
CLASSES = [
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "grades",
    "courseSourcedId",
    "classCode",
    "classType",
    "location",
    "schoolSourcedId",
    "termSourcedIds",
    "subjects",
    "subjectCodes",
    "periods",
]
ENROLLMENTS = [
    "sourcedId",
    "status",
    "dateLastModified",
    "classSourcedId",
    "schoolSourcedId",
    "userSourcedId",
    "role",
    "primary",
    "beginDate",
    "endDate",
]


def table(header: list[str], rows: Iterable[Mapping[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, restval="", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def user(sid: str, given: str, family: str, role: str, email: str, **more: str) -> dict:
    return {"sourcedId": sid, "enabledUser": "true", "orgSourcedIds": "org1", "role": role,
            "username": email, "givenName": given, "familyName": family, "email": email,
            **more}  # fmt: skip


def klass(sid: str, title: str, **more: str) -> dict:
    return {"sourcedId": sid, "title": title, "classType": "scheduled",
            "schoolSourcedId": "org1", "termSourcedIds": "term1", **more}  # fmt: skip


def enrolment(sid: str, class_sid: str, user_sid: str, role: str = "student", **more) -> dict:
    return {"sourcedId": sid, "classSourcedId": class_sid, "schoolSourcedId": "org1",
            "userSourcedId": user_sid, "role": role, **more}  # fmt: skip


def bundle(users=(), classes=(), enrollments=(), mode: str = "bulk", version: str = "1.1") -> bytes:
    manifest = table(
        ["propertyName", "value"],
        [
            {"propertyName": "manifest.version", "value": "1.0"},
            {"propertyName": "oneroster.version", "value": version},
            {"propertyName": "source.systemName", "value": "Test SIS"},
            *({"propertyName": f"file.{name}", "value": mode}
              for name in ("users", "classes", "enrollments", "orgs")),
        ],
    )  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.csv", manifest)
        archive.writestr(
            "orgs.csv", "sourcedId,status,dateLastModified,name,type\r\norg1,,,School,school\r\n"
        )
        archive.writestr("users.csv", table(USERS, users))
        archive.writestr("classes.csv", table(CLASSES, classes))
        archive.writestr("enrollments.csv", table(ENROLLMENTS, enrollments))
    return buffer.getvalue()
