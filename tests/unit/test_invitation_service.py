"""Invitations on the fakes: who may invite whom, what an invitation makes (an account with no
password, its enrolment, a one-time link), what it leaves alone (an account in use is only
enrolled; another role's is refused), and what its link does (chooses the password once)."""

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.account_links import LinkPurpose
from domain.errors import (
    AlreadyHasAccount,
    ClassNotFound,
    InvalidLink,
    InvitationNotAllowed,
    InvitationNotFound,
    InviteeDeactivated,
    NotClassTeacher,
    OnlyStudentsJoinClasses,
    RoleConflict,
)
from domain.events import ClassJoined
from domain.invitations import Invitee
from domain.users import NO_PASSWORD, Identity, Role
from services.accounts import AccountService
from services.classes import ClassService
from services.invitations import InvitationService

pytestmark = pytest.mark.anyio
WEEK = timedelta(days=7)


@pytest.fixture
def invitations(uow, clock, events) -> InvitationService:
    return InvitationService(uow, clock, events, WEEK)


@pytest.fixture
def accounts(uow, hasher, clock, events) -> AccountService:
    return AccountService(uow, hasher, clock, events)


@pytest.fixture
def make_class(uow, events):
    async def make(teacher: Identity, name: str = "7B") -> object:
        return await ClassService(uow, events).create_class(teacher, name)

    return make


def invitee(role: Role = Role.STUDENT, class_id=None, email: str | None = None) -> Invitee:
    return Invitee("Rahul", email or f"rahul.{uuid4().hex[:8]}@example.com", role, class_id)


async def test_an_admin_invites_a_teacher_who_chooses_a_password_with_the_link_once(
    invitations, accounts, add_user, uow
):
    admin = add_user(Role.ADMIN)
    outcome = await invitations.invite(admin, invitee(Role.TEACHER))
    made = uow.store.users[outcome.user.id]
    assert (made.role, made.password_hash, made.name) == (Role.TEACHER, NO_PASSWORD, "Rahul")
    assert outcome.link is not None and outcome.class_id is None
    assert outcome.link.token not in repr(uow.store.account_links)
    chosen = await accounts.set_password(outcome.link.token, "chosen-1")
    assert chosen.id == made.id
    assert uow.store.users[made.id].password_hash == "hashed:chosen-1"
    with pytest.raises(InvalidLink):
        await accounts.set_password(outcome.link.token, "again-22")
    assert await invitations.pending(50, 0) == []  # accepted: no longer pending


async def test_a_teacher_invites_a_student_into_their_class(
    invitations, add_user, make_class, uow, events
):
    teacher = add_user(Role.TEACHER)
    classroom = await make_class(teacher)
    outcome = await invitations.invite(teacher, invitee(class_id=classroom.id))
    assert uow.store.classes[classroom.id].student_ids == [outcome.user.id]
    assert ClassJoined(classroom.id, outcome.user.id) in events.published
    (pending,) = await invitations.pending(50, 0)
    assert (pending.user_id, pending.class_name, pending.invited_by) == (
        outcome.user.id, "7B", teacher.user_id,
    )  # fmt: skip
    assert pending.invited_by_name == uow.store.users[teacher.user_id].name
    assert outcome.link is not None and pending.expires_at == outcome.link.expires_at


async def test_who_may_invite_whom(invitations, add_user, make_class, uow):
    admin, teacher, student = add_user(Role.ADMIN), add_user(Role.TEACHER), add_user(Role.STUDENT)
    classroom = await make_class(teacher)
    other = await make_class(add_user(Role.TEACHER))
    users_before = set(uow.store.users)
    refused = [
        (teacher, invitee(Role.TEACHER), InvitationNotAllowed),
        (teacher, invitee(Role.ADMIN), InvitationNotAllowed),
        (teacher, invitee(Role.STUDENT), InvitationNotAllowed),  # into no class
        (student, invitee(Role.STUDENT, classroom.id), InvitationNotAllowed),
        (teacher, invitee(Role.STUDENT, other.id), NotClassTeacher),
        (teacher, invitee(Role.STUDENT, uuid4()), ClassNotFound),
        (admin, invitee(Role.TEACHER, classroom.id), OnlyStudentsJoinClasses),
        (admin, invitee(Role.STUDENT, uuid4()), ClassNotFound),
    ]
    for inviter, person, error in refused:
        with pytest.raises(error):
            await invitations.invite(inviter, person)
    assert set(uow.store.users) == users_before  # nothing was made
    assert uow.store.account_links == {}
    # An admin invites into anyone's class, and invites admins.
    into_other = await invitations.invite(admin, invitee(Role.STUDENT, other.id))
    assert uow.store.classes[other.id].student_ids == [into_other.user.id]
    made_admin = await invitations.invite(admin, invitee(Role.ADMIN))
    assert uow.store.users[made_admin.user.id].role is Role.ADMIN


async def test_an_account_in_use_is_only_enrolled(invitations, add_user, make_class, uow):
    teacher, student = add_user(Role.TEACHER), add_user(Role.STUDENT)
    classroom = await make_class(teacher)
    email = uow.store.users[student.user_id].email.upper()  # any letter case
    outcome = await invitations.invite(teacher, invitee(Role.STUDENT, classroom.id, email))
    assert outcome.link is None and outcome.user.id == student.user_id
    assert uow.store.classes[classroom.id].student_ids == [student.user_id]
    assert uow.store.users[student.user_id].password_hash == "hashed:secret"
    assert uow.store.account_links == {}
    again = await invitations.invite(teacher, invitee(Role.STUDENT, classroom.id, email))
    assert again.link is None  # already enrolled: nothing changes
    assert uow.store.classes[classroom.id].student_ids == [student.user_id]
    with pytest.raises(AlreadyHasAccount):  # into no class: nothing to do
        await invitations.invite(add_user(Role.ADMIN), invitee(Role.STUDENT, None, email))


async def test_an_email_of_another_role_is_a_conflict(invitations, add_user, make_class, uow):
    teacher, colleague = add_user(Role.TEACHER), add_user(Role.TEACHER)
    classroom = await make_class(teacher)
    email = uow.store.users[colleague.user_id].email
    with pytest.raises(RoleConflict):
        await invitations.invite(teacher, invitee(Role.STUDENT, classroom.id, email))
    assert uow.store.classes[classroom.id].student_ids == []
    with pytest.raises(RoleConflict):
        await invitations.invite(add_user(Role.ADMIN), invitee(Role.ADMIN, None, email))
    assert uow.store.users[colleague.user_id].role is Role.TEACHER


async def test_inviting_again_gives_a_fresh_link_and_the_older_one_stops_working(
    invitations, accounts, add_user, uow
):
    admin = add_user(Role.ADMIN)
    first = await invitations.invite(admin, invitee(Role.TEACHER, email="t@example.com"))
    second = await invitations.invite(admin, invitee(Role.TEACHER, email="T@example.com"))
    assert second.user.id == first.user.id and len(uow.store.users) == 2
    assert first.link and second.link and first.link.token != second.link.token
    assert len(await invitations.pending(50, 0)) == 1
    with pytest.raises(InvalidLink):
        await accounts.set_password(first.link.token, "chosen-1")
    await accounts.set_password(second.link.token, "chosen-1")


async def test_a_revoked_invitation_link_stops_working_and_the_account_stays(
    invitations, accounts, add_user, uow
):
    admin = add_user(Role.ADMIN)
    outcome = await invitations.invite(admin, invitee(Role.TEACHER))
    assert outcome.link is not None
    assert await invitations.revoke(outcome.user.id) == 1
    with pytest.raises(InvalidLink):
        await accounts.set_password(outcome.link.token, "chosen-1")
    with pytest.raises(InvitationNotFound):
        await invitations.revoke(outcome.user.id)
    assert await invitations.pending(50, 0) == []
    assert uow.store.users[outcome.user.id].password_hash == NO_PASSWORD
    again = await invitations.invite(admin, invitee(Role.TEACHER, email=outcome.user.email))
    assert again.link is not None
    await accounts.set_password(again.link.token, "chosen-1")


async def test_an_invitation_link_is_read_only_while_it_works(
    invitations, accounts, add_user, make_class, uow, clock
):
    teacher = add_user(Role.TEACHER)
    classroom = await make_class(teacher)
    outcome = await invitations.invite(teacher, invitee(class_id=classroom.id))
    assert outcome.link is not None
    shown = await invitations.invitation_for(outcome.link.token)
    assert (shown.name, shown.class_name, shown.role) == ("Rahul", "7B", Role.STUDENT)
    # A set-password link is no invitation (though both choose a password).
    other = await accounts.issue_link(teacher.user_id, LinkPurpose.SET_PASSWORD, WEEK)
    for token in (other.token, "a-guess", outcome.link.token.upper()):
        with pytest.raises(InvalidLink):
            await invitations.invitation_for(token)
    await accounts.set_password(outcome.link.token, "chosen-1")
    with pytest.raises(InvalidLink):  # used
        await invitations.invitation_for(outcome.link.token)


async def test_an_expired_invitation_link_works_no_more_but_stays_pending(
    uow, clock, events, accounts, add_user
):
    short = InvitationService(uow, clock, events, timedelta(seconds=1))
    outcome = await short.invite(add_user(Role.ADMIN), invitee(Role.TEACHER))
    assert outcome.link is not None
    clock.now()  # a second passes: expired
    with pytest.raises(InvalidLink):
        await short.invitation_for(outcome.link.token)
    with pytest.raises(InvalidLink):
        await accounts.set_password(outcome.link.token, "chosen-1")
    (pending,) = await short.pending(50, 0)  # the admin sees it, to invite again
    assert pending.user_id == outcome.user.id


@pytest.mark.parametrize("password_hash", ["hashed:in-use", NO_PASSWORD])
async def test_a_deactivated_account_is_refused_not_reactivated_nor_enrolled(
    invitations, add_user, make_class, uow, events, clock, password_hash
):
    teacher, admin, pupil = add_user(Role.TEACHER), add_user(Role.ADMIN), add_user(Role.STUDENT)
    stored = uow.store.users[pupil.user_id]
    stored.password_hash = password_hash  # in use, or invited and never accepted
    stored.deactivated_at = clock.now()
    classroom = await make_class(teacher)
    published = len(events.published)
    for inviter, class_id in ((teacher, classroom.id), (admin, None), (admin, classroom.id)):
        with pytest.raises(InviteeDeactivated):
            await invitations.invite(inviter, invitee(class_id=class_id, email=stored.email))
    assert uow.store.users[pupil.user_id].deactivated_at is not None
    assert uow.store.classes[classroom.id].student_ids == []
    assert uow.store.account_links == {} and len(events.published) == published
