"""Privacy requests, for school administrators: a person's data exported, a person erased."""

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from api.authentication import admin_only
from api.controllers.paths import uuid_or_none
from api.openapi import failures
from api.privacy_schemas import (
    ErasureResponse,
    PersonalDataResponse,
    erasure_response,
    personal_data_response,
)
from api.schemas import Success, iso_timestamp
from domain.errors import UserNotFound
from domain.users import Identity
from services.privacy import PrivacyService


def _user_id(raw: str) -> UUID:
    user_id = uuid_or_none(raw)
    if user_id is None:  # an id that is not a UUID names nobody
        raise UserNotFound(raw)
    return user_id


class AdminPrivacyController(Controller):
    path = "/admin/users/{user_id:str}"
    tags = ["admin"]
    guards = [admin_only]

    @get("/export", responses=failures(401, 403, 404))
    async def export(
        self,
        request: Request[Identity, str, Any],
        user_id: FromPath[str],
        privacy_service: NamedDependency[PrivacyService],
    ) -> Success[PersonalDataResponse]:
        """Everything the service holds about the person (see the README's "Privacy")."""
        data, exported_at = await privacy_service.export(_user_id(user_id))
        return Success(data=personal_data_response(data, iso_timestamp(exported_at)))

    @post("/erase", status_code=200, responses=failures(401, 403, 404, 409))
    async def erase(
        self,
        request: Request[Identity, str, Any],
        user_id: FromPath[str],
        privacy_service: NamedDependency[PrivacyService],
    ) -> Success[ErasureResponse]:
        """Erases the person: their name and email are replaced, they can no longer log in
        and their tokens are refused; their attendance records stay in the statistics under
        the name `Erased user`. Safe to repeat: it answers the first erasure."""
        erasure = await privacy_service.erase(request.user, _user_id(user_id))
        return Success(data=erasure_response(erasure))
