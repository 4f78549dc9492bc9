"""`live-attendance create-admin`: a school's first administrator, made from the command line.
It prints the one-time link with which they choose their password (nowhere else: not in the
logs)."""

import asyncio
from typing import Annotated

import msgspec

from api.schemas import Email
from domain.account_links import LinkPurpose, link_address
from domain.errors import EmailAlreadyExists
from infrastructure.settings import Settings


class AdminInput(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    email: Email


def admin_input_problem(name: str, email: str) -> str | None:
    """What is wrong with the name and email given, as the sign-up checks them."""
    try:
        msgspec.convert({"name": name.strip(), "email": email.strip()}, AdminInput)
    except msgspec.ValidationError as error:
        return f"Invalid name or email: {error}"
    return None


def link_base(settings: Settings) -> str:
    """Where people reach the service: PUBLIC_URL, else this machine on PORT."""
    return (settings.public_url or f"http://localhost:{settings.port}").rstrip("/")


async def create_admin(settings: Settings, name: str, email: str) -> str:
    """Makes the administrator; answers what to tell the person running the command."""
    # Wired as the server's services are; imported here, as in `serve`: the container pulls
    # in prometheus-client, which must not be imported before the metrics folder is named.
    from bootstrap.container import Container

    container = Container(settings=settings)
    database = container.database()
    await database.start()
    try:
        user, link = await container.account_service().create_admin(name, email)
    except EmailAlreadyExists:
        raise SystemExit(f"An account with the email {email} exists already.") from None
    finally:
        await database.stop()
    return (
        f"Administrator {user.name} <{user.email}> created. To choose a password, open this"
        f" link before {link.expires_at:%Y-%m-%d %H:%M} UTC (it works once):\n"
        f"{link_address(link_base(settings), LinkPurpose.SET_PASSWORD, link.token)}"
    )


def run_create_admin(settings: Settings, name: str, email: str) -> str:
    return asyncio.run(create_admin(settings, name, email))
