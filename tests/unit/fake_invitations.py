"""The invitations' table, in memory (for tests/unit/fakes.py's unit of work): an invitation
whose link was retired is gone, as the table's foreign key has it."""

from typing import Any

from domain.invitations import Invitation, PendingInvitation
from domain.users import NO_PASSWORD


class FakeInvitations:
    def __init__(self, store: Any) -> None:  # fake_store.InMemoryStore
        self._store = store
        self.held: list[str] = []

    async def add(self, invitation: Invitation) -> None:
        self._store.invitations[invitation.digest] = invitation

    async def hold_email(self, email: str) -> None:
        self.held.append(email.lower())

    async def find(self, digest: bytes) -> PendingInvitation | None:
        invitation = self._store.invitations.get(digest)
        return self._pending(invitation) if invitation else None

    async def pending(self, limit: int, offset: int) -> list[PendingInvitation]:
        found = [self._pending(invitation) for invitation in self._store.invitations.values()]
        waiting = [
            pending
            for pending in found
            if pending and self._store.users[pending.user_id].password_hash == NO_PASSWORD
        ]
        waiting.sort(key=lambda pending: (pending.invited_at, str(pending.user_id)), reverse=True)
        return waiting[offset : offset + limit]

    def _pending(self, invitation: Invitation) -> PendingInvitation | None:
        link, used_at = self._store.account_links.get(invitation.digest, (None, None))
        if link is None or used_at is not None:
            return None
        user = self._store.users[link.user_id]
        classroom = self._store.classes.get(invitation.class_id)
        inviter = self._store.users.get(invitation.invited_by)
        return PendingInvitation(
            user_id=user.id,
            name=user.name,
            email=user.email,
            role=user.role,
            class_id=invitation.class_id,
            class_name=classroom.class_name if classroom else None,
            invited_by=invitation.invited_by,
            invited_by_name=inviter.name if inviter else None,
            invited_at=invitation.invited_at,
            expires_at=link.expires_at,
        )
