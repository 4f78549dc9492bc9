"""What imports say, in words: why a file is refused (400), and why a row is."""

from domain.errors import ImportFileRefused
from domain.imports import (
    MAX_CELL_CHARACTERS,
    MAX_COLUMNS,
    MAX_ROW_CHARACTERS,
    MAX_ROWS,
    FileProblem,
)
from domain.oneroster import SyncProblem
from domain.rosters import RowProblem

FILE_PROBLEMS: dict[FileProblem, str] = {
    FileProblem.NOT_UTF8: "Not UTF-8 text",
    FileProblem.MALFORMED_CSV: "Not readable as CSV",
    FileProblem.RECORD_TOO_LONG: f"A row over {MAX_ROW_CHARACTERS} characters (an unclosed quote?)",
    FileProblem.CELL_TOO_LONG: f"A cell over {MAX_CELL_CHARACTERS} characters",
    FileProblem.TOO_MANY_COLUMNS: f"More than {MAX_COLUMNS} columns",
    FileProblem.TOO_MANY_ROWS: f"More than {MAX_ROWS} rows",
    FileProblem.NO_HEADER: "No header row",
    FileProblem.DUPLICATE_COLUMN: "A column named twice",
    FileProblem.MISSING_COLUMNS: "Missing columns",
    FileProblem.NOT_A_ZIP: "Not a readable zip file",
    FileProblem.UNSAFE_ZIP_ENTRY: "A file name or file the zip may not hold",
    FileProblem.ZIP_TOO_LARGE: "The zip unpacks to more than the import limit",
    FileProblem.MISSING_FILE: "A file the manifest lists is not in the zip",
    FileProblem.UNSUPPORTED_VERSION: "Not a OneRoster 1.1 or 1.2 bundle (see oneroster.version)",
    FileProblem.BAD_MANIFEST: "A file's mode in manifest.csv is not bulk, delta or absent",
}  # fmt: skip


def file_refused_text(error: ImportFileRefused) -> str:
    """`<problem>: <detail> (<file>, line <n>)`, each part when known."""
    text = FILE_PROBLEMS[error.problem]
    if error.detail:
        text += f": {error.detail}"
    where = [part for part in (error.location.file,) if part]
    if error.location.line is not None:
        where.append(f"line {error.location.line}")
    return f"{text} ({', '.join(where)})" if where else text


ROW_PROBLEMS: dict[RowProblem, str] = {
    RowProblem.MISSING_NAME: "No name",
    RowProblem.NAME_TOO_LONG: "The name is over 100 characters",
    RowProblem.BAD_NAME: "The name holds control characters",
    RowProblem.MALFORMED_EMAIL: "Not an email address",
    RowProblem.DUPLICATE: "The same email (and class) as line {earlier}",
    RowProblem.CONFLICTING_NAME: "The same email as line {earlier}, with another name",
    RowProblem.ROLE_CONFLICT: "The email is a teacher's or an administrator's account",
    RowProblem.ACCOUNT_DEACTIVATED: "The student's account is deactivated (reactivate it first)",
    RowProblem.BAD_CLASS_NAME: "The class name is over 200 characters or holds control characters",
    RowProblem.UNKNOWN_CLASS: "No class of that name (an admin makes one: a teacher column)",
    RowProblem.NOT_YOUR_CLASS: "Another teacher's class",
    RowProblem.AMBIGUOUS_CLASS: "Several classes have that name (name the teacher)",
    RowProblem.TEACHER_NOT_ALLOWED: "Only an administrator names another teacher",
    RowProblem.MALFORMED_TEACHER_EMAIL: "The teacher column is not an email address",
    RowProblem.UNKNOWN_TEACHER: "No account has the teacher's email",
    RowProblem.NOT_A_TEACHER: "The teacher's email is not a teacher's account",
}  # fmt: skip

SYNC_PROBLEMS: dict[SyncProblem, str] = {
    SyncProblem.MISSING_SOURCED_ID: "No sourcedId",
    SyncProblem.SOURCED_ID_TOO_LONG: "The sourcedId is too long or has control characters",
    SyncProblem.DUPLICATE: "The same sourcedId as line {earlier}",
    SyncProblem.BAD_STATUS: "The status is not active, inactive or tobedeleted",
    SyncProblem.MISSING_ROLE: "No role",
    SyncProblem.ROLE_NOT_IMPORTED: "Only teachers and students are imported",
    SyncProblem.INACTIVE: "Inactive in the SIS: not made",
    SyncProblem.MISSING_NAME: "No name",
    SyncProblem.NAME_TOO_LONG: "The name is over 100 characters",
    SyncProblem.BAD_NAME: "The name holds control characters",
    SyncProblem.MALFORMED_EMAIL: "No email address (neither email nor username)",
    SyncProblem.EMAIL_TAKEN: "The email is another account's",
    SyncProblem.ROLE_CONFLICT: "The account has another role",
    SyncProblem.BAD_TITLE: "No title, or over 200 characters, or with control characters",
    SyncProblem.NO_TEACHER: "No active teacher enrolled: a class needs one",
    SyncProblem.UNKNOWN_CLASS: "No such class (or it was not imported)",
    SyncProblem.UNKNOWN_USER: "No such user (or they were not imported)",
    SyncProblem.NOT_PRIMARY_TEACHER: "Another teacher is the class's teacher",
    SyncProblem.ABSENT_FROM_BULK: "Not in the bulk file any more",
    SyncProblem.DEACTIVATED_HERE: "Deactivated by an administrator: a sync does not reactivate it",
    SyncProblem.ACCOUNT_DEACTIVATED: "The student's account is deactivated: not enrolled",
}  # fmt: skip


def problem_text(problem: RowProblem | SyncProblem | None, earlier: int | None) -> str | None:
    if problem is None:
        return None
    text = ROW_PROBLEMS[problem] if isinstance(problem, RowProblem) else SYNC_PROBLEMS[problem]
    return text.format(earlier=earlier) if "{earlier}" in text else text
