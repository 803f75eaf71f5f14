"""The fake Zvonobot's account endpoints: audio records, userInfo, numbers, languages and
the verification of a phone."""

from __future__ import annotations

from typing import Any, Literal, cast

from starlette.requests import Request

from callboard.providers.zvonobot.simulator import rules
from callboard.providers.zvonobot.simulator.state import (
    TTS_COST,
    SimRecord,
    ZvonobotAccount,
    unix_now,
)

__all__ = ["AccountEndpoints"]


class AccountEndpoints(ZvonobotAccount):
    """What the account holds besides calls, read and written."""

    async def _create_record(self, body: dict[str, Any], request: Request) -> object:
        checked = rules.check_new_record(body)
        cost = TTS_COST if checked.source == "text" else 0.0
        if cost:
            self._check_balance()
        self._spend(cost)
        record = SimRecord(
            id=next(self._record_ids),
            name=checked.name,
            source=cast(Literal["text", "file"], checked.source),
            created_at=unix_now(),
            need_moderation=self.record_moderation,
            status="moderation" if self.record_moderation else "approved",
            text=checked.text,
            cost=cost,
            file_name=checked.file.filename if checked.file else None,
        )
        self.records[record.id] = record
        return record.to_json()

    async def _remove_record(self, body: dict[str, Any], request: Request) -> object:
        records = [self._live_record(i) for i in rules.check_record_ids(body)]
        now = unix_now()
        for record in records:
            record.deleted_at = now
        shown = [r.removed_json() for r in records]
        return shown[0] if len(shown) == 1 else shown

    async def _user_info(self, body: dict[str, Any], request: Request) -> object:
        return {"id": self.user_id, "balance": self.balance}

    async def _get_phones(self, body: dict[str, Any], request: Request) -> object:
        every = self._flag(body, "all")
        return [dict(p) for p in self.phones if every or p.get("overall") == 0]

    async def _get_languages(self, body: dict[str, Any], request: Request) -> object:
        return [dict(lang) for lang in self.languages]

    async def _confirm_phone(self, body: dict[str, Any], request: Request) -> object:
        phone, pin = rules.check_confirm_phone(body)
        self.verifications.append({"phone": phone, "pin": pin})
        return "done"
