"""The Zvonobot provider: robocalls (message, IVR tree, schedule), their live statuses,
audio records, templates, numbers, languages, balance and FlashOnCall verification.

Configuration keys are those of `ZvonobotOptions`; `base_url` is the API root
(`{base_url}/apiCalls/create`), so white-labelled domains work the same. Zvonobot posts
its webhooks to `{public_url}/webhooks/{id}?key=<secret>`: Callboard sets that URL on
every call it starts.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from callboard.domain.calls import Call, CallSignal
from callboard.domain.directory import AudioRecord, PhoneNumber
from callboard.domain.errors import BadInput, CallboardError
from callboard.domain.provider_requests import AudioFile, PlacedCall, StartedCalls
from callboard.domain.robocalls import (
    Balance,
    IvrNode,
    Language,
    Notice,
    RobocallDetails,
    RobocallRequest,
    RobocallTemplate,
)
from callboard.providers.areas import (
    KeepsAudioRecords,
    KeepsRecordings,
    ListsNumbers,
    ReportsBalance,
    ReportsCallEvents,
    Robocalls,
    VerifiesPhones,
)
from callboard.providers.base import (
    Configured,
    ProviderContext,
    WebhookDelivery,
    WebhookOutcome,
    delivery_fingerprint,
)
from callboard.providers.options import OptionError, ProviderOptions, option
from callboard.providers.webhook_guard import KeyInUrl, check_networks
from callboard.providers.zvonobot import mapping, requests, webhooks
from callboard.providers.zvonobot.client import ZvonobotClient

__all__ = ["ZvonobotOptions", "ZvonobotProvider"]

log = logging.getLogger(__name__)

ZVONOBOT_SOURCE = "82.202.206.194"  # the page: webhooks come from this address
MAX_IDS = 5000  # the page: call info for at most 5000 ids a request


@dataclass(frozen=True)
class ZvonobotOptions(ProviderOptions):
    api_key: str = option("the API key your Zvonobot manager gave you", secret=True)
    allowed_ips: tuple[str, ...] = option(
        "addresses or networks webhooks may come from; [] accepts any (the URL secret "
        "still applies)",
        default=(ZVONOBOT_SOURCE,),
    )
    webhook_secret: str = option(
        "the secret in the webhook URL handed to Zvonobot (default: derived from api_key)",
        secret=True,
        default="",
    )
    max_batch: int = option(
        "phones per create request and ids per call-info request; longer lists are split",
        default=MAX_IDS,
    )
    key_word_separator: str = option(
        "how IVR key words are joined (the page's table says a space)", default=" "
    )
    template_poll_seconds: float = option(
        "how often calls made from a template are asked for (Zvonobot sends no webhook "
        "for them), while any is unfinished; 0 never",
        default=30.0,
    )
    moderation_lifted: bool = option(
        "true once your manager lifted moderation for the account (text-to-speech calls "
        "start only then); until then startRobocall warns",
        default=False,
    )

    def __post_init__(self) -> None:
        bad = check_networks(self.allowed_ips)
        if bad is not None:
            raise OptionError("allowed_ips", f"'{bad}' is not an IP address or network")
        if not 1 <= self.max_batch <= MAX_IDS:
            raise OptionError("max_batch", f"must be 1-{MAX_IDS}")
        if not self.key_word_separator:
            raise OptionError("key_word_separator", "cannot be empty")
        if self.template_poll_seconds < 0:
            raise OptionError("template_poll_seconds", "must be 0 (never) or more")


class ZvonobotProvider(
    Configured[ZvonobotOptions],
    KeyInUrl,
    ReportsCallEvents,
    KeepsRecordings,
    Robocalls,
    KeepsAudioRecords,
    ListsNumbers,
    ReportsBalance,
    VerifiesPhones,
):
    kind = "zvonobot"
    vendor = "Zvonobot"

    def __init__(self, context: ProviderContext, options: ZvonobotOptions) -> None:
        super().__init__(context, options)
        self._guard_webhooks(options, credential=options.api_key)
        self._client = ZvonobotClient(
            context.http,
            root=options.base_url,
            api_key=options.api_key,
            who=self.who,
        )

    async def start_robocall(self, request: RobocallRequest) -> StartedCalls:
        ref = secrets.token_hex(8)
        template = request.message.template_id
        parts = _chunks(request.phones, self.options.max_batch)
        # Every part is built (and checked) before the first is sent.
        if template is None:
            path = "apiCalls/create"
            bodies = [
                requests.create_body(
                    request,
                    part,
                    webhook_url=self.webhook_url,
                    ref=ref,
                    key_word_separator=self.options.key_word_separator,
                )
                for part in parts
            ]
        else:
            path = "apiCalls/createWithTemplate"
            bodies = [requests.template_body(request, part) for part in parts]
        calls: list[PlacedCall] = []
        cost: float | None = None
        for number, (part, body) in enumerate(zip(parts, bodies, strict=True), start=1):
            try:
                data = await self._client.post(path, body)
            except CallboardError as error:
                if not calls:
                    raise
                return StartedCalls(calls, cost, [_part_failed(error, number, len(parts), part)])
            placed = mapping.placed_calls(
                data,
                region=self.context.default_region,
                outgoing=request.outgoing_phone,
                ref=ref,
                template_id=template,
            )
            calls.extend(placed)
            part_cost = next(
                (c for c in (mapping.record_cost(p.raw) for p in placed) if c is not None), None
            )
            if part_cost is not None:
                cost = (cost or 0.0) + part_cost
        return StartedCalls(calls, cost)

    async def robocall_calls(
        self, vendor_ids: Sequence[str], *, template: bool
    ) -> list[CallSignal]:
        path = "apiCalls/getWithTemplates" if template else "apiCalls/get"
        # ASCII digits: str.isdigit() also takes "²", which int() refuses.
        numeric = [int(i) for i in dict.fromkeys(vendor_ids) if i.isascii() and i.isdigit()]
        found: list[CallSignal] = []
        if not numeric:
            return found  # no id Zvonobot could know: nothing to ask
        for part in _chunks(numeric, self.options.max_batch):
            data = await self._client.post(path, {"apiCallIdList": list(part)})
            for item in mapping.items(data):
                signals = mapping.call_signals(
                    item, received_at=_now(), region=self.context.default_region
                )
                status, *rest = signals
                recording = next((s.recording_url for s in rest if s.recording_url), None)
                found.append(dataclasses.replace(status, recording_url=recording))
        return found

    async def reschedule_robocalls(self, plan: Sequence[tuple[Call, datetime]]) -> list[str]:
        call_list = [
            {"id": _vendor_id(call), "replannedAt": requests.unix(at)} for call, at in plan
        ]
        data = await self._client.post("apiCalls/update", {"callList": call_list})
        return mapping.id_list(data)

    async def cancel_robocalls(self, calls: Sequence[Call]) -> list[str]:
        removed: list[str] = []
        # The page: a call made from a template is removed only with isTemplate=1.
        for template in (False, True):
            ids = [_vendor_id(c) for c in calls if _is_template(c) is template]
            if ids:
                body: dict[str, Any] = {"idList": ids}
                if template:
                    body["isTemplate"] = 1
                removed += mapping.id_list(await self._client.post("apiCalls/remove", body))
        return removed

    def robocall_notices(self, request: RobocallRequest) -> list[Notice]:
        if self.options.moderation_lifted or not _speaks_text(request):
            return []
        return [
            Notice(
                code="MODERATION_PENDING",
                message="Zvonobot starts text-to-speech calls only on accounts whose moderation "
                "your manager has lifted; until then these calls wait in status created. "
                "(The operator sets moderation_lifted = true for this provider once it is.)",
                field="message.text",
            )
        ]

    def robocall_details(self, call: Call) -> RobocallDetails | None:
        return mapping.details(call.raw)

    @property
    def polling_seconds(self) -> float | None:
        return self.options.template_poll_seconds or None

    def polled(self, calls: Sequence[Call]) -> list[str]:
        # createWithTemplate takes no webhook URL: Zvonobot never reports these calls.
        return [c.provider_call_id for c in calls if _is_template(c) and c.provider_call_id]

    async def robocall_templates(self, *, only_moderated: bool) -> list[RobocallTemplate]:
        data = await self._client.post(
            "apiCalls/getTemplates", {"onlyModerated": int(only_moderated)}
        )
        return mapping.templates(data)

    async def languages(self) -> list[Language]:
        return mapping.languages(await self._client.get("apiCalls/getAvailableLanguages"))

    async def create_audio_record(
        self, *, name: str, text: str | None, file: AudioFile | None
    ) -> AudioRecord:
        name = name.strip()
        if not name:
            raise BadInput("An audio record needs a `name`.", field="name")
        if (text is None) == (file is None):
            raise BadInput(
                "Give the record's `text` or upload its `file`, one of the two.", field="text"
            )
        if file is not None:
            if not file.content:
                raise BadInput("The uploaded file is empty.", field="file")
            data = await self._client.upload(
                "apiCalls/createRecord", {"name": name, "source": "file"}, file
            )
        else:
            assert text is not None
            spoken = text.strip()
            if not spoken or len(spoken) > requests.MAX_TTS_TEXT:
                raise BadInput(
                    f"The record's text is 1-{requests.MAX_TTS_TEXT} characters "
                    f"({len(spoken)} given).",
                    field="text",
                )
            data = await self._client.post(
                "apiCalls/createRecord", {"name": name, "source": "text", "text": spoken}
            )
        return mapping.audio_record(self.id, data)

    async def remove_audio_records(self, record_ids: Sequence[str]) -> list[AudioRecord]:
        ids = [_int_id(i, "ids") for i in record_ids]
        data = await self._client.post("apiCalls/removeRecord", {"idList": ids})
        return [mapping.audio_record(self.id, item) for item in mapping.items(data)]

    async def numbers(self, *, include_shared: bool) -> list[PhoneNumber]:
        data = await self._client.post("apiCalls/getPhones", {"all": include_shared})
        return mapping.numbers(self.id, data, region=self.context.default_region)

    async def balance(self) -> Balance:
        return mapping.balance(await self._client.post("apiCalls/userInfo", {}))

    async def verify_phone(self, phone: str, pin: str) -> None:
        body = {"phone": requests.phone11(phone, field="phone"), "pin": requests.check_pin(pin)}
        await self._client.post("apiVerificationPhones/confirmPhone", body)

    def handle_webhook(self, delivery: WebhookDelivery) -> WebhookOutcome:
        self._check_source_and_key(delivery)
        body = webhooks.read_body(delivery)
        region = self.context.default_region
        signals: list[CallSignal] = []
        is_ivr = isinstance(body.get("call"), dict) and "calls" not in body
        # An IVR hook ({"call": {"phone", "answer"}} and our parameters: the call and its
        # IVR node) has no id or time, so it is keyed by what it says: a resend after a lost
        # answer is dropped, and so is the same answer at the same node of the same call
        # given again (a repeated menu), which is the price of not doubling resends.
        fingerprint = dict(body) if is_ivr else mapping.status_fingerprint_fields(body)
        try:
            if is_ivr:
                signals.append(
                    mapping.ivr_signal(body, received_at=delivery.received_at, region=region)
                )
            elif body.get("id") not in (None, ""):
                signals += mapping.call_signals(
                    body, received_at=delivery.received_at, region=region
                )
        except (TypeError, ValueError, AttributeError):
            # A shape the page does not show: kept as it came (the inbox has it), and
            # answered 200 so Zvonobot does not send it three more times.
            log.warning("Zvonobot webhook for %s of an unknown shape; kept, no events", self.id)
            signals = []
        return WebhookOutcome(
            dedup_key=delivery_fingerprint(fingerprint, ignore=frozenset()),
            payload=dict(body),
            signals=tuple(signals),
        )


def _speaks_text(request: RobocallRequest) -> bool:
    def any_text(nodes: Sequence[IvrNode]) -> bool:
        return any(
            (n.message is not None and n.message.text is not None) or any_text(n.children)
            for n in nodes
        )

    return request.message.text is not None or any_text(request.ivrs)


def _chunks(values: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _part_failed(
    error: CallboardError, number: int, parts: int, phones: Sequence[str]
) -> CallboardError:
    """The error of one part, saying which phones it covered and that later ones wait."""
    later = " The phones after them were not sent." if number < parts else ""
    message = (
        f"Part {number} of {parts} ({phones[0]} ... {phones[-1]}, {len(phones)} phones) "
        f"was not started: {error.message}{later}"
    )
    failed = copy.copy(error)
    failed.args = (message,)
    failed.message = message
    failed.field = failed.field or "phones"
    return failed


def _vendor_id(call: Call) -> int:
    return _int_id(call.provider_call_id or "", "ids")


def _int_id(value: str, field: str) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise BadInput(f"'{value}' is not a Zvonobot id.", field=field)
    return int(text)


def _is_template(call: Call) -> bool:
    return call.raw.get("templateId") not in (None, "")


def _now() -> datetime:
    return datetime.now(UTC)
