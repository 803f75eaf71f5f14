"""The fake Zvonobot's robocalls: apiCalls/create, get, update and remove."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from callboard.providers.zvonobot.simulator import rules
from callboard.providers.zvonobot.simulator.playback import CallPlayer
from callboard.providers.zvonobot.simulator.state import TTS_COST, Refused, SimApiCall, unix_now

__all__ = ["RobocallEndpoints"]


class RobocallEndpoints(CallPlayer):
    """The apiCalls endpoints; each answers its ``data`` or raises (see the server)."""

    async def _create(self, body: dict[str, Any], request: Request) -> object:
        codes = {str(lang.get("defaultLangCode")) for lang in self.languages}
        checked = rules.check_create(body, max_phones=self.max_phones, lang_codes=codes)
        self._check_balance()
        known = [p["phone"] for p in self.phones]
        if checked.outgoing_phone is None and not known:
            raise Refused("Нет доступных дежурных номеров")
        if checked.outgoing_phone is not None and checked.outgoing_phone not in known:
            raise Refused("Номер не подтверждён")
        for record_id in checked.record_ids():
            self._live_record(record_id)
        # The page: recordCost is "the total cost of the records made in this request",
        # so every call of the request reports the same sum, paid once.
        cost = round(TTS_COST * checked.generated_texts(), 2)
        self._spend(cost)
        replies = []
        for phone in checked.phones:
            call = SimApiCall(
                id=next(self._call_ids),
                phone=phone,
                outgoing_phone=checked.outgoing_phone or random.choice(known),
                created_at=unix_now(),
                planned_at=checked.planned_at,
                smart_delay=checked.smart_delay,
                need_recording=checked.need_recording,
                webhook_url=checked.webhook_url,
                webhook_parameters=checked.webhook_parameters,
                webhook_fields=checked.webhook_fields,
                webhook_headers=checked.webhook_headers,
                record_id=checked.record.id,
                record_text=checked.record.text,
                ivrs=checked.ivrs,
                ivr_ids=tuple(next(self._ivr_ids) for _ in checked.ivrs),
            )
            self.calls[call.id] = call
            self._schedule(call)
            replies.append(
                {
                    "id": call.id,
                    "createdAt": call.created_at,
                    "plannedAt": call.planned_at,
                    "smartDelay": call.smart_delay,
                    "needRecording": call.need_recording,
                    "phone": phone,
                    "recordCost": cost,
                }
            )
        return replies[0] if checked.single else replies

    async def _get(self, body: dict[str, Any], request: Request, *, templates: bool) -> object:
        source: Mapping[str, Any] = body
        if "apiCallIdList" not in body:
            # The page's PHP example puts the ids in the query string: apiCallIdList[]=1.
            listed = [
                value
                for key, value in request.query_params.multi_items()
                if key == "apiCallIdList" or key.startswith("apiCallIdList[")
            ]
            source = {"apiCallIdList": listed}
        ids = rules.check_call_ids(source)
        found = [self.calls.get(i) for i in ids]
        return [
            call.to_json()
            for call in found
            if call is not None and (call.template_id is not None) == templates
        ]

    async def _update(self, body: dict[str, Any], request: Request) -> object:
        moved = []
        for call_id, planned_at in rules.check_update(body):
            call = self.calls.get(call_id)
            if call is None or call.status != "created":
                continue
            call.planned_at, call.updated_at = planned_at, unix_now()
            self._schedule(call)
            moved.append(call_id)
        return {"callIdList": moved}

    async def _remove(self, body: dict[str, Any], request: Request) -> object:
        checked = rules.check_remove(body)
        removed = []
        for call_id in checked.ids:
            call = self.calls.get(call_id)
            # The page: a template call is removed only with isTemplate; the reverse is
            # taken to hold too, so an id names one kind of call.
            if (
                call is None
                or call.status != "created"
                or (call.template_id is not None) != checked.is_template
            ):
                continue
            self._unschedule(call_id)
            del self.calls[call_id]
            removed.append(call_id)
        if checked.single:
            if not removed:
                raise Refused("Звонок не найден или уже запущен")
            return []
        return {"callIdList": removed}
