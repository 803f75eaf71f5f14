"""How the fake Zvonobot plays its calls: each waits for its plannedAt and for moderation,
then moves through its statuses, hears its IVR answer, and posts its webhooks (resent as
the vendor does)."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from callboard.providers.simulator_base import described
from callboard.providers.zvonobot.simulator.rules import pick_node
from callboard.providers.zvonobot.simulator.state import (
    CALL_COST,
    FILES_BASE,
    HANGUP_CAUSES,
    MAX_TRIES,
    NORMAL_CLEARING,
    CallStatus,
    Delivery,
    HookKind,
    Outcome,
    SimApiCall,
    ZvonobotAccount,
    unix_now,
)

__all__ = ["CallPlayer"]


@dataclass(frozen=True)
class _Hook:
    """A webhook to deliver: the same body (but webhookTry) on every try."""

    kind: HookKind
    call: SimApiCall
    url: str
    body: dict[str, Any]
    headers: dict[str, str]


class CallPlayer(ZvonobotAccount):
    """Each apiCall moves created -> processed -> started -> answered -> finished (or
    canceled), one step every ``step_delay`` seconds, posting its status webhook at each
    change and again every ``resend_delay`` seconds, up to three tries, until one gets
    HTTP 200. A call waits for its ``plannedAt`` and, while moderation blocks it, in
    "created"; waiting calls are not what ``wait_idle`` waits for."""

    def _blocked(self, call: SimApiCall) -> bool:
        """Whether moderation keeps the call from starting (the page: "calls will not
        start" until it is lifted for the account or for the records sent)."""
        if call.template_id is not None:
            return False  # its template passed moderation already
        if call.record_text is not None:
            return self.account_moderation
        record = self.records.get(call.record_id) if call.record_id is not None else None
        return record is not None and record.need_moderation and record.status != "approved"

    def _held(self, call: SimApiCall) -> bool:
        """A created call that is due but was blocked when it came due."""
        return (
            call.status == "created"
            and call.id not in self._timers
            and call.id not in self._scripts
        )

    def _schedule(self, call: SimApiCall) -> None:
        """(Re)start the call's wait for its plannedAt, then its script."""
        self._unschedule(call.id)
        delay = (call.planned_at or 0) - time.time()
        if delay > 0:
            loop = asyncio.get_running_loop()
            self._timers[call.id] = loop.call_later(delay, self._due, call.id)
        elif not self._blocked(call):
            self._start(call)

    def _unschedule(self, call_id: int) -> None:
        # Only ever done to a call still "created": its script has posted nothing yet.
        if (timer := self._timers.pop(call_id, None)) is not None:
            timer.cancel()
        if (script := self._scripts.pop(call_id, None)) is not None:
            script.cancel()

    def _due(self, call_id: int) -> None:
        self._timers.pop(call_id, None)
        call = self.calls.get(call_id)
        if call is not None and not self._blocked(call):
            self._start(call)

    def _start(self, call: SimApiCall) -> None:
        script = self._background.spawn(self._play(call))
        self._scripts[call.id] = script
        script.add_done_callback(functools.partial(self._forget_script, call.id))

    def _forget_script(self, call_id: int, script: asyncio.Task[None]) -> None:
        if self._scripts.get(call_id) is script:  # not a newer one that replaced it
            del self._scripts[call_id]

    async def _play(self, call: SimApiCall) -> None:
        await self._step()
        await self._change(call, "processed")
        await self._step()
        call.started_at = unix_now()
        await self._change(call, "started")
        await self._step()
        outcome = self.outcomes.get(call.phone, Outcome())
        if outcome.result != "answered":
            call.finished_at, call.hangup_cause = unix_now(), HANGUP_CAUSES[outcome.result]
            await self._change(call, "canceled")
            return
        call.answered_at = unix_now()
        await self._change(call, "answered")
        await self._step()
        if outcome.answer is not None:
            await self._hear(call, outcome.answer)
        call.finished_at, call.hangup_cause = unix_now(), NORMAL_CLEARING
        call.cost = CALL_COST
        self._spend(CALL_COST)
        if call.need_recording:
            call.record_file_path = f"{FILES_BASE}/{call.id}.mp3"
        await self._change(call, "finished")

    async def _hear(self, call: SimApiCall, answer: int | str) -> None:
        """The subscriber's IVR answer: recorded, and acted on by the node it goes to."""
        call.ivr_answers, call.updated_at = str(answer), unix_now()
        if isinstance(answer, int):
            call.ivr_digit = answer
        picked = pick_node(call.ivrs, answer)
        if picked is None:
            return
        index, node = picked
        call.ivr_id_list = [call.ivr_ids[index]]
        call.to_block = call.to_block or node.need_block
        if node.manager_phone is not None:
            call.manager_started_at = call.manager_answered_at = unix_now()
            call.manager_status = "answered"
        if node.webhook_url is not None:
            body = {"call": {"phone": call.phone, "answer": answer}}
            # The vendor's own keys win over a parameter of the same name.
            body.update({k: v for k, v in node.webhook_parameters.items() if k != "call"})
            headers = _headers(node.webhook_headers)
            await self._deliver(_Hook("ivr", call, node.webhook_url, body, headers))

    async def _change(self, call: SimApiCall, status: CallStatus) -> None:
        call.status, call.updated_at = status, unix_now()
        if call.webhook_url is None:
            return
        body = call.to_json()
        body.update({k: v for k, v in call.webhook_fields.items() if k not in body})
        headers = _headers(call.webhook_headers)
        await self._deliver(_Hook("status", call, call.webhook_url, body, headers))

    async def _deliver(self, hook: _Hook) -> None:
        await self._deliver_with_resends(
            functools.partial(self._try, hook), tries=MAX_TRIES, delay=self.resend_delay, backoff=1
        )

    async def _try(self, hook: _Hook, try_number: int) -> bool:
        body = dict(hook.body)
        if hook.kind == "status":
            body["webhookTry"] = hook.call.webhook_try = try_number
        code: int | None = None
        error: str | None = None
        try:
            code = (await self._http.post(hook.url, json=body, headers=hook.headers)).status_code
        except Exception as exc:  # a broken receiver must not stop the call
            error = described(exc)
        self.deliveries.append(
            Delivery(hook.kind, hook.call.id, hook.url, body, hook.headers, code, error, try_number)
        )
        delivered = code == 200
        if delivered and hook.kind == "status":
            hook.call.webhook_sent = True
        return delivered

    async def _stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        await super()._stop()


def _headers(extra: Mapping[str, str]) -> dict[str, str]:
    """A webhook's headers: the caller's, but the body is JSON whatever they say."""
    headers = {k: v for k, v in extra.items() if k.lower() != "content-type"}
    return {"Content-Type": "application/json", **headers}
