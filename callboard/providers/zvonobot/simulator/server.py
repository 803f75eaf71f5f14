"""A fake Zvonobot: its apiCalls API, put together from robocalls, template calls and the
account's endpoints, each checked as the vendor does, and its control endpoints."""

from __future__ import annotations

import collections
import functools
from collections.abc import Awaitable, Callable
from typing import Any, Literal, cast

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from callboard.providers.simulator_base import control, same_secret
from callboard.providers.zvonobot.simulator.account import AccountEndpoints
from callboard.providers.zvonobot.simulator.fields import BadBody, Invalid, is_phone, read_body
from callboard.providers.zvonobot.simulator.robocalls import RobocallEndpoints
from callboard.providers.zvonobot.simulator.state import (
    OUTCOMES,
    VERDICTS,
    Outcome,
    OutcomeName,
    RecordStatus,
    Refused,
)
from callboard.providers.zvonobot.simulator.templates import TemplateEndpoints

__all__ = ["ZvonobotSimulator"]

Handler = Callable[[dict[str, Any], Request], Awaitable[object]]


def _error(status_code: int, message: str, **extra: object) -> Response:
    return JSONResponse(
        {"status": "error", "data": {"message": message, **extra}}, status_code=status_code
    )


class ZvonobotSimulator(RobocallEndpoints, TemplateEndpoints, AccountEndpoints):
    """Zvonobot's apiCalls API in memory: how its calls play is `CallPlayer`'s, what it
    keeps (plain attributes tests may read and change) `ZvonobotAccount`'s; ``requests``
    counts requests by path."""

    def __init__(
        self,
        api_key: str,
        *,
        step_delay: float = 1.5,
        resend_delay: float = 60.0,
        max_phones: int = 5000,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            api_key,
            step_delay=step_delay,
            resend_delay=resend_delay,
            max_phones=max_phones,
            http=http,
        )
        endpoints: dict[str, Handler] = {
            "/apiCalls/create": self._create,
            "/apiCalls/createWithTemplate": self._create_with_template,
            "/apiCalls/get": functools.partial(self._get, templates=False),
            "/apiCalls/getWithTemplates": functools.partial(self._get, templates=True),
            "/apiCalls/update": self._update,
            "/apiCalls/remove": self._remove,
            "/apiCalls/removeRecord": self._remove_record,
            "/apiCalls/userInfo": self._user_info,
            "/apiCalls/getPhones": self._get_phones,
            "/apiCalls/getTemplates": self._get_templates,
            "/apiVerificationPhones/confirmPhone": self._confirm_phone,
        }
        self.app = self._starlette(
            [
                *(Route(path, self._api(h), methods=["POST"]) for path, h in endpoints.items()),
                Route(
                    "/apiCalls/createRecord",
                    self._api(self._create_record, multipart=True),
                    methods=["POST"],
                ),
                Route(
                    "/apiCalls/getAvailableLanguages",
                    self._api(self._get_languages),
                    methods=["GET", "POST"],
                ),
                Route("/_sim/outcome", control(self._sim_outcome), methods=["POST"]),
                Route("/_sim/moderation", control(self._sim_moderation), methods=["POST"]),
                Route("/_sim/state", self._sim_state, methods=["GET"]),
            ]
        )

    # -- public controls ---------------------------------------------------------------

    def set_outcome(
        self, phone: str, outcome: OutcomeName, answer: int | str | None = None
    ) -> None:
        """Make calls to ``phone`` end this way; ``answer`` is given to an answered call's
        IVR (an int for a pressed digit, a string for a spoken word)."""
        if not is_phone(phone):
            raise ValueError("phone must be 11 digits")
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {sorted(OUTCOMES)}")
        if answer is not None and (isinstance(answer, bool) or not isinstance(answer, int | str)):
            raise ValueError("answer must be an int digit or a string")
        if answer is not None and outcome != "answered":
            raise ValueError("only an answered call has an answer")
        self.outcomes[phone] = Outcome(outcome, answer)

    async def moderate(
        self,
        *,
        account: bool | None = None,
        record: int | None = None,
        status: Literal["approved", "rejected"] | None = None,
        comment: str | None = None,
    ) -> list[int]:
        """Put the account under moderation or lift it (``account``) and/or give a record's
        verdict; start the calls it no longer blocks and return their ids."""
        if account is None and record is None:
            raise ValueError("give account and/or record")
        if record is not None:
            if status not in VERDICTS:
                raise ValueError(f"status must be one of {sorted(VERDICTS)}")
            if record not in self.records:
                raise ValueError(f"no record {record}")
        if account is not None:
            self.account_moderation = account
        if record is not None:
            found = self.records[record]
            found.status = cast(RecordStatus, status)
            found.moderator_comment = comment
        released = []
        for call in list(self.calls.values()):
            if self._held(call) and not self._blocked(call):
                self._start(call)
                released.append(call.id)
        return released

    # -- the vendor's endpoints ----------------------------------------------------------

    def _api(self, handler: Handler, *, multipart: bool = False) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                body = await read_body(request, multipart=multipart)
            except BadBody as exc:
                return _error(400, str(exc))
            key = body.get("apiKey", request.query_params.get("apiKey"))
            if not same_secret(key, self._api_key):
                return _error(401, "Invalid apiKey")
            try:
                data = await handler(body, request)
            except Invalid as exc:
                return _error(422, exc.message, errors=exc.errors)
            except Refused as exc:
                return _error(200, str(exc))
            return JSONResponse({"status": "success", "data": data})

        return endpoint

    # -- control endpoints (ours, not Zvonobot's) ----------------------------------------

    async def _sim_outcome(self, request: Request) -> object:
        body = await read_body(request, multipart=False)
        phone, outcome = body.get("phone"), body.get("outcome")
        if not isinstance(phone, str) or outcome not in OUTCOMES:
            raise ValueError(f"give a phone and an outcome of {sorted(OUTCOMES)}")
        self.set_outcome(phone, cast(OutcomeName, outcome), body.get("answer"))
        return {"phone": body["phone"], "outcome": body["outcome"]}

    async def _sim_moderation(self, request: Request) -> object:
        body = await read_body(request, multipart=False)
        account, record = body.get("account"), body.get("record")
        if account is not None and not isinstance(account, bool):
            raise ValueError("account must be true or false")
        if record is not None and (isinstance(record, bool) or not isinstance(record, int)):
            raise ValueError("record must be an id")
        comment = body.get("comment")
        if comment is not None and not isinstance(comment, str):
            raise ValueError("comment must be a string")
        started = await self.moderate(
            account=account, record=record, status=body.get("status"), comment=comment
        )
        return {"started": started}

    async def _sim_state(self, request: Request) -> Response:
        return JSONResponse(
            {
                "balance": self.balance,
                "account_moderation": self.account_moderation,
                "calls": dict(collections.Counter(c.status for c in self.calls.values())),
                "records": [
                    {"id": r.id, "name": r.name, "status": r.status, "deleted": bool(r.deleted_at)}
                    for r in self.records.values()
                ],
                "deliveries": len(self.deliveries),
                "requests": dict(self.requests),
            }
        )
