"""`live-attendance import-oneroster BUNDLE.zip [--apply] [--links-to FILE]`: the nightly sync
from a student information system, for a cron job. Without --apply it only says what the
bundle would do. The set-password links of accounts it makes go to FILE (made readable by its
owner only) and nowhere else: not to the output, which cron mails, nor to the logs."""

import asyncio
import os
from pathlib import Path

from dependency_injector import providers

from api.import_responses import oneroster_response
from api.import_schemas import OneRosterImportResponse
from api.import_texts import file_refused_text
from bootstrap.admins import link_base
from domain.errors import ImportFileRefused, ImportRaced
from infrastructure.database.urls import plain_url
from infrastructure.settings import Settings


class CommandFailed(Exception):
    """What to tell the person (or cron) running the command, with exit status 2."""


def read_bundle(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise CommandFailed(f"{path} is larger than IMPORT_MAX_BYTES ({limit} bytes).")
        return path.read_bytes()
    except OSError as error:
        raise CommandFailed(f"Cannot read {path}: {error.strerror}.") from None


def write_links(path: Path, csv: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
        file.write(csv)


def summary(answer: OneRosterImportResponse, links_to: Path | None) -> str:
    state = "applied" if answer.applied else "preview: nothing changed (--apply applies it)"
    lines = [f"OneRoster {answer.version} bundle, {state}"]
    for file, counted in answer.counts.items():
        told = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counted.items()))
        lines.append(f"  {file} ({answer.modes[file]}): {told or 'nothing'}")
    noted = [row for row in answer.rows if row.outcome in ("refused", "skipped")]
    if noted:
        lines.append("Refused or skipped:")
        for row in noted:
            where = f"line {row.line}" if row.line is not None else "(not in the file)"
            lines.append(f"  {row.file} {where}: {row.outcome}: {row.message}")
    for people, done, to_do, why in (
        (answer.deactivated, "Deactivated", "To deactivate", "inactive or gone in the SIS"),
        (answer.reactivated, "Reactivated", "To reactivate", "active again in the SIS"),
    ):
        if people:
            lines.append(f"{done if answer.applied else to_do} ({why}): {len(people)}")
            lines.extend(f"  {person.name} <{person.email}>" for person in people)
    if answer.links:
        if links_to is not None:
            lines.append(f"{len(answer.links)} set-password link(s) written to {links_to}")
        else:
            lines.append(
                f"{len(answer.links)} account(s) made; their set-password links were kept"
                " nowhere (give --links-to FILE to keep them)"
            )
    return "\n".join(lines)


async def import_oneroster(
    settings: Settings, bundle: Path, apply: bool, links_to: Path | None
) -> str:
    # Imported here, as in `serve`: the container and the bus pull in prometheus-client, which
    # must not be imported before `serve` names its metrics folder (bootstrap/cli.py imports
    # this module).
    from bootstrap.container import Container
    from infrastructure.messaging.publish_only import PublishOnlyEventBus

    data = read_bundle(bundle, settings.import_max_bytes)
    container = Container(settings=settings)
    # The classes' sockets, on every server process, hear what changed.
    container.event_bus.override(
        providers.Singleton(PublishOnlyEventBus, dsn=plain_url(settings.resolved_database_url))
    )
    database = container.database()
    await database.start()
    try:
        service = container.oneroster_import_service()
        report = await (service.apply(data) if apply else service.preview(data))
    except ImportFileRefused as error:
        raise CommandFailed(f"{bundle}: {file_refused_text(error)}") from None
    except ImportRaced:
        raise CommandFailed("Accounts changed during the import; nothing was imported.") from None
    finally:
        await database.stop()
    answer = oneroster_response(report, f"{link_base(settings)}/")
    if answer.links_csv and links_to is not None:
        write_links(links_to, answer.links_csv)
    return summary(answer, links_to)


def run_import_oneroster(
    settings: Settings, bundle: Path, apply: bool, links_to: Path | None
) -> str:
    return asyncio.run(import_oneroster(settings, bundle, apply, links_to))
