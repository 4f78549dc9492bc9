"""The ports of school accounts (issue 25): one-time links, invitations, what is held about
a person (export, erasure, retention), and the mail that carries links."""

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.account_links import AccountLink, LinkPurpose
from domain.invitations import Invitation, PendingInvitation
from domain.mail import Mail
from domain.privacy import AccountData, PersonalData, Retained
from domain.throttling import CountersAbout


class AccountLinkRepository(Protocol):
    async def add(self, link: AccountLink) -> None: ...

    async def add_many(self, links: Sequence[AccountLink]) -> None:
        """In one statement, however many (an import's)."""
        ...

    async def use(
        self, digest: bytes, purposes: Collection[LinkPurpose], now: datetime
    ) -> UUID | None:
        """Marks the link used and answers whose account it acts for; None when there is no
        such link for one of those purposes, or it was used or has expired. However many ask
        at once, one use succeeds."""
        ...

    async def retire(self, user_id: UUID, purposes: Collection[LinkPurpose]) -> int:
        """Deletes the account's unused links of those purposes; answers how many there were.
        Until commit, no other retire for the account runs: of two links issued at once, the
        later retires the earlier."""
        ...


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation) -> None:
        """Beside its link (added first); retiring the link deletes it too."""
        ...

    async def hold_email(self, email: str) -> None:
        """Holds off other invitations of the email (any letter case) until commit."""
        ...

    async def find(self, digest: bytes) -> PendingInvitation | None:
        """The invitation of that unused link (expired or not)."""
        ...

    async def pending(self, limit: int, offset: int) -> list[PendingInvitation]:
        """Invitations whose link is unused (expired ones too) of accounts that have no
        password yet, newest first, a page at a time."""
        ...


class PrivacyRepository(Protocol):
    """What the service holds about one person, as a whole: exported, erased; and the
    records past retention."""

    async def account(self, user_id: UUID, *, for_update: bool = False) -> AccountData | None:
        """The account, erased or not; with for_update, locked until commit."""
        ...

    async def export(self, account: AccountData, counters: CountersAbout) -> PersonalData: ...

    async def erase(
        self, user_id: UUID, name: str, email: str, at: datetime, counters: CountersAbout
    ) -> None:
        """The account's name and email replaced, its password unusable, marked erased at
        `at`; its one-time links, the counters and the student information system's id of
        them gone, and the notes of corrections about them (free text that may name them)
        cleared."""
        ...

    async def delete_started_before(self, cutoff: datetime, sessions: int) -> Retained:
        """Deletes up to `sessions` sessions that started before the cut-off, with their
        records, live marks and corrections (those another caller is deleting are skipped).
        Answers what went."""
        ...

    async def delete_expired_counters(self, now: datetime) -> int:
        """Deletes the attempt counters whose window ended by `now` (they count nothing any
        more, and their keys name emails and addresses); answers how many."""
        ...


class MailNotSent(Exception):
    """What a mailer raises when the mail server could not be reached, or refused the mail
    (or the sender, or the recipient). Not a rule of the domain, and nothing its caller's
    caller should hear about: mail goes out in the background."""


class Mailer(Protocol):
    @property
    def configured(self) -> bool:
        """False when no mail server is configured: then nothing can be sent."""
        ...

    async def send(self, mail: Mail) -> None:
        """Hands the mail to the mail server; raises MailNotSent (also when not configured)."""
        ...
