"""Self check-in over HTTP: the teacher opens and closes it and reads the code to show; a
student sends the code. (Sockets speaking v2 have the same as events.)"""

from typing import Any

import segno
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.authentication import student_only, teacher_only
from api.controllers.paths import class_id_from_path
from api.observability import throttling_counted
from api.openapi import failures
from api.public_url import public_base_url
from api.schemas import (
    CheckedInResponse,
    CheckInRequest,
    CheckInStateResponse,
    Success,
    iso_timestamp,
)
from domain.check_in import CODE_PERIOD_SECONDS
from domain.statuses import AttendanceStatus
from domain.users import Identity
from services.check_in import CheckInService, CheckInState


def state_response(
    request: Request[Any, Any, Any], state: CheckInState, public_url: str | None
) -> CheckInStateResponse:
    page_url = f"{public_base_url(request, public_url)}#/check-in/{state.class_id}"
    url = f"{page_url}/{state.code.code}" if state.code else None
    return CheckInStateResponse(
        class_id=state.class_id,
        session_id=state.session_id,
        open=state.open,
        period_seconds=CODE_PERIOD_SECONDS,
        code=state.code.code if state.code else None,
        valid_until=iso_timestamp(state.code.valid_until) if state.code else None,
        page_url=page_url,
        check_in_url=url,
        qr_svg=segno.make(url, error="m").svg_inline(border=2, omitsize=True) if url else None,
    )


TEACHER_FAILURES = failures(401, 403, 404, 409)


class CheckInController(Controller):
    path = "/class/{class_id:str}/check-in"
    tags = ["check-in"]

    @get("/", guards=[teacher_only], responses=TEACHER_FAILURES)
    async def check_in_state(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        check_in_service: NamedDependency[CheckInService],
        public_url: NamedDependency[str | None],
    ) -> Success[CheckInStateResponse]:
        """Whether self check-in is open for the class's live session, and the code to show
        (it changes every 15 seconds)."""
        state = await check_in_service.state(request.user, class_id_from_path(class_id))
        return Success(data=state_response(request, state, public_url))

    @post("/open", guards=[teacher_only], status_code=200, responses=TEACHER_FAILURES)
    async def open_check_in(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        check_in_service: NamedDependency[CheckInService],
        public_url: NamedDependency[str | None],
    ) -> Success[CheckInStateResponse]:
        """Opens self check-in for the class's live session (opening twice changes nothing)."""
        state = await check_in_service.open(request.user, class_id_from_path(class_id))
        return Success(data=state_response(request, state, public_url))

    @post("/close", guards=[teacher_only], status_code=200, responses=TEACHER_FAILURES)
    async def close_check_in(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        check_in_service: NamedDependency[CheckInService],
        public_url: NamedDependency[str | None],
    ) -> Success[CheckInStateResponse]:
        state = await check_in_service.close(request.user, class_id_from_path(class_id))
        return Success(data=state_response(request, state, public_url))

    @post(
        "/",
        guards=[student_only],
        status_code=200,
        responses=failures(400, 401, 403, 404, 409, 413, 429),
    )
    async def check_in(
        self,
        request: Request[Identity, str, Any],
        class_id: FromPath[str],
        data: JSONBody[CheckInRequest],
        check_in_service: NamedDependency[CheckInService],
    ) -> Success[CheckedInResponse]:
        """A student enrolled in the class marks themselves present with the code shown by
        the teacher."""
        class_uuid = class_id_from_path(class_id)
        with throttling_counted("check_in"):
            await check_in_service.check_in(request.user, class_uuid, data.code)
        return Success(data=CheckedInResponse(class_uuid, AttendanceStatus.PRESENT))
