"""How large an input may be: each limit taken at its bound, and refused one past it with
a BAD_INPUT naming the field (in `userErrors` for a mutation, as the error of a query or
subscription) before anything reaches the vendor; JSON inputs bounded in depth and size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError

from tests.api.zvonobot_queries import OUTGOING
from tests.harness import GraphQLFailed, next_event
from tests.queries import CALLS
from tests.vendors import PROVIDER_ID, Rig, vendor_rig

PHONE = "+79123456789"
FUTURE = "2030-01-01T09:00:00+03:00"  # a planned robocall: no webhook traffic meanwhile
ROBOCALL = {"outgoingPhone": OUTGOING, "message": {"text": "Hello"}, "plannedAt": FUTURE}
ORDER = {"title": "Spring", "serviceTitle": "spring", "status": "INFO", "sipEndpointIds": [101]}
NUMBER = {"number": "+7 495 123-45-01", "name": "Sales", "did": "123"}


# The mutations whose input type is not named after them.
INPUT_TYPES = {"upsertContact": "ContactInput", "sendAgentMessage": "AgentMessageInput"}


def mutation(name: str) -> str:
    input_type = INPUT_TYPES.get(name, name[0].upper() + name[1:] + "Input")
    return f"""mutation($i: {input_type}!) {{
  {name}(input: $i) {{ userErrors {{ field message code }} }} }}"""


def text(n: int) -> str:
    return "я" * n  # characters, not bytes, are what a limit counts


def padded(value: str) -> Callable[[int], str]:
    """`value` (which the vendor takes) padded with spaces to the length asked."""
    return lambda n: value.ljust(n)


def url(n: int) -> str:
    return "https://hooks.example/" + "a" * (n - 22)


def phones(n: int) -> list[str]:
    return [f"+7912{i:07d}" for i in range(n)]


def variables(n: int) -> list[dict[str, str]]:
    return [{"name": f"V{i}", "value": "1"} for i in range(n)]


@dataclass(frozen=True)
class Limit:
    kind: str  # the vendor behind the provider
    mutation: str
    field: str  # what the error names
    bound: int
    value: Callable[[int], Any]  # an input value as long as asked, or with as many items
    input: Callable[[Any], dict[str, Any]]  # the mutation's input around that value

    def __str__(self) -> str:
        return f"{self.mutation}.{self.field}"


LIMITS = [
    Limit(
        "lirax",
        "placeCall",
        "idempotencyKey",
        255,
        text,
        lambda v: {"agent": "101", "to": PHONE, "idempotencyKey": v},
    ),
    Limit("lirax", "placeCall", "agent", 64, padded("101"), lambda v: {"agent": v, "to": PHONE}),
    Limit("lirax", "placeCall", "to", 64, padded(PHONE), lambda v: {"agent": "101", "to": v}),
    Limit(
        "lirax",
        "upsertContact",
        "name",
        255,
        text,
        lambda v: {"phone": PHONE, "name": v, "responsible": "101"},
    ),
    Limit(
        "lirax",
        "sendSms",
        "text",
        1600,
        text,
        lambda v: {"modem": "380123456789", "agent": "101", "to": PHONE, "text": v},
    ),
    Limit(
        "lirax",
        "sendSms",
        "modem",
        32,
        padded("380123456789"),
        lambda v: {"modem": v, "agent": "101", "to": PHONE, "text": "Hi"},
    ),
    Limit(
        "lirax",
        "sendAgentMessage",
        "text",
        4096,
        text,
        lambda v: {"agent": "102", "from": "Ivan", "text": v},
    ),
    Limit("liner", "createOrder", "title", 255, text, lambda v: {**ORDER, "title": v}),
    Limit(
        "liner", "createOrder", "aiModePrompt", 16384, text, lambda v: {**ORDER, "aiModePrompt": v}
    ),
    Limit(
        "twin24",
        "addIncomingNumbers",
        "comment",
        4096,
        text,
        lambda v: {"numbers": [NUMBER], "comment": v},
    ),
    Limit(
        "twin24",
        "addIncomingNumbers",
        "webhookUrls[0]",
        2048,
        url,
        lambda v: {"numbers": [NUMBER], "webhookUrls": [v]},
    ),
    Limit(
        "twin24",
        "addIncomingNumbers",
        "numbers[0].name",
        255,
        text,
        lambda v: {"numbers": [{**NUMBER, "name": v}]},
    ),
    Limit(
        "while1",
        "placeCall",
        "variables[0].value",
        2048,
        url,
        lambda v: {
            "agent": "101",
            "to": "+40 21 234 5678",
            "variables": [{"name": "L", "value": v}],
        },
    ),
    Limit(
        "while1",
        "placeCall",
        "variables",
        1000,
        variables,
        lambda v: {"agent": "101", "to": "+40 21 234 5678", "variables": v},
    ),
    Limit(
        "zvonobot", "startRobocall", "phones", 10_000, phones, lambda v: {**ROBOCALL, "phones": v}
    ),
]


async def user_errors(rig: Rig, limit: Limit, n: int) -> list[dict[str, Any]]:
    variables = {"i": {"provider": rig.provider_id, **limit.input(limit.value(n))}}
    data = await rig.api.query(mutation(limit.mutation), variables)
    return data[limit.mutation]["userErrors"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("limit", LIMITS, ids=str)
async def test_an_input_at_its_limit_is_taken_and_one_past_it_is_bad_input(limit: Limit) -> None:
    async with vendor_rig(
        limit.kind, credentials={"moderation_lifted": True} if limit.kind == "zvonobot" else None
    ) as rig:
        assert await user_errors(rig, limit, limit.bound) == []
        (error,) = await user_errors(rig, limit, limit.bound + 1)
        assert (error["field"], error["code"]) == (limit.field, "BAD_INPUT")
        assert f"at most {limit.bound} " in error["message"]


async def test_a_provider_id_longer_than_any_configured_one_is_bad_input() -> None:
    async with vendor_rig("lirax") as rig:
        for length, code in ((64, "NOT_FOUND"), (65, "BAD_INPUT")):
            variables = {"i": {"provider": "p" * length, "agent": "101", "to": PHONE}}
            data = await rig.api.query(mutation("placeCall"), variables)
            (error,) = data["placeCall"]["userErrors"]
            assert (error["field"], error["code"]) == ("provider", code)


async def test_query_and_subscription_arguments_have_limits_too() -> None:
    async with vendor_rig("lirax") as rig:
        calls = await rig.api.query(CALLS, {"phone": PHONE.ljust(64)})
        assert calls["calls"]["totalCount"] == 0
        with pytest.raises(GraphQLFailed) as failed:
            await rig.api.query(CALLS, {"phone": PHONE.ljust(65)})
        (error,) = failed.value.errors
        assert error["extensions"] == {"code": "BAD_INPUT", "field": "phone"}
        watch = "subscription($p: String) { callEvents(phone: $p) { id } }"
        with pytest.raises(TransportQueryError) as refused:
            async with rig.api.subscription(watch, {"p": PHONE.ljust(65)}) as events:
                await next_event(events, timeout=5)
        (error,) = refused.value.errors or []
        assert error["extensions"] == {"code": "BAD_INPUT", "field": "phone"}


async def test_robocalls_read_back_a_whole_campaign_at_most() -> None:
    ids = f'query($i: [String!]!) {{ robocalls(provider: "{PROVIDER_ID}", ids: $i) {{ id }} }}'
    async with vendor_rig("zvonobot") as rig:
        found = await rig.api.query(ids, {"i": [str(n) for n in range(10_000)]})
        assert len(found["robocalls"]) == 10_000
        with pytest.raises(GraphQLFailed) as failed:
            await rig.api.query(ids, {"i": [str(n) for n in range(10_001)]})
        (error,) = failed.value.errors
        assert error["extensions"] == {"code": "BAD_INPUT", "field": "ids"}


def nested(depth: int) -> Any:
    """A JSON object `depth` levels deep."""
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


def sized(size: int) -> dict[str, str]:
    """A JSON object of `size` bytes as UTF-8 JSON text."""
    return {"k": "x" * (size - len('{"k": ""}'))}


# (the mutation, its input around a JSON value, the field the error names)
JSON_INPUTS = [
    (
        "startRobocall",
        lambda v: {**ROBOCALL, "phones": [PHONE], "webhookParameters": v},
        "webhookParameters",
    ),
    (
        "startRobocall",
        lambda v: {**ROBOCALL, "phones": [PHONE], "ivrs": [{"digit": 1, "webhookParameters": v}]},
        "ivrs[0].webhookParameters",
    ),
    (
        "createOrder",
        lambda v: {**ORDER, "customValues": [{"fieldId": "7", "value": v}]},
        "customValues[0].value",
    ),
]


@pytest.mark.parametrize(
    ("name", "given", "field"), JSON_INPUTS, ids=[f for _, _, f in JSON_INPUTS]
)
async def test_a_json_input_is_bounded_in_depth_and_size(
    name: str, given: Callable[[Any], dict[str, Any]], field: str
) -> None:
    kind = "zvonobot" if name == "startRobocall" else "liner"
    async with vendor_rig(kind) as rig:

        async def errors(value: Any) -> list[dict[str, Any]]:
            variables = {"i": {"provider": rig.provider_id, **given(value)}}
            return (await rig.api.query(mutation(name), variables))[name]["userErrors"]  # type: ignore[no-any-return]

        for value in (nested(16), sized(4096)):
            assert [e for e in await errors(value) if e["code"] == "BAD_INPUT"] == []
        for value, words in (
            (nested(17), "deeper than 16"),
            (nested(24), "deeper than 16"),
            (sized(4097), "at most 4096 bytes"),
        ):
            (error,) = await errors(value)
            assert (error["field"], error["code"]) == (field, "BAD_INPUT")
            assert words in error["message"]
        # Deeper still, the request itself cannot be read (its JSON nests past 32
        # levels): a 400, before any input is looked at.
        response = await rig.api.post(
            mutation(name), {"i": {"provider": rig.provider_id, **given(nested(600))}}
        )
        assert response.status_code == 400
        assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_REQUEST"]


async def test_a_json_literal_too_deep_for_the_document_is_refused_whole() -> None:
    """The issue's 600 levels written in the document: its parser refuses the document."""
    async with vendor_rig("zvonobot") as rig:
        literal = "{a: " * 600 + "1" + "}" * 600
        document = (
            f'mutation {{ startRobocall(input: {{provider: "{rig.provider_id}", '
            f'phones: ["{PHONE}"], outgoingPhone: "{ROBOCALL["outgoingPhone"]}", '
            f'message: {{text: "Hello"}}, webhookParameters: {literal}}}) '
            "{ userErrors { code } } }"
        )
        with pytest.raises(GraphQLFailed) as failed:
            await rig.api.query(document)
        assert failed.value.codes == ["GRAPHQL_VALIDATION_FAILED"]
        assert "nested too deeply" in failed.value.errors[0]["message"]


async def test_webhook_headers_are_bounded_in_size() -> None:
    async with vendor_rig("zvonobot") as rig:
        given = {"provider": rig.provider_id, **ROBOCALL, "phones": [PHONE]}
        taken = await rig.api.query(
            mutation("startRobocall"), {"i": {**given, "webhookHeaders": sized(4096)}}
        )
        assert taken["startRobocall"]["userErrors"] == []
        refused = await rig.api.query(
            mutation("startRobocall"), {"i": {**given, "webhookHeaders": sized(4097)}}
        )
        (error,) = refused["startRobocall"]["userErrors"]
        assert (error["field"], error["code"]) == ("webhookHeaders", "BAD_INPUT")


async def test_parameters_as_deep_as_allowed_come_back_in_the_calls_events() -> None:
    """What an input may hold survives Zvonobot's webhooks: stored, and served as `raw`."""
    async with vendor_rig("zvonobot", credentials={"moderation_lifted": True}) as rig:
        rig.vendor.simulator.set_outcome("79123456789", "answered", answer=1)
        given = {"provider": rig.provider_id, "outgoingPhone": OUTGOING, "message": {"text": "Hi"}}
        document = """mutation($i: StartRobocallInput!) {
          startRobocall(input: $i) { calls { id } userErrors { field code } } }"""
        params = {"crm": nested(15)}  # 16 levels with its own
        data = await rig.api.query(
            document, {"i": {**given, "phones": [PHONE], "webhookParameters": params}}
        )
        (call,) = data["startRobocall"]["calls"]
        await rig.vendor.simulator.wait_idle()
        read = "query($id: ID!) { call(id: $id) { status raw events { raw } } }"
        stored = (await rig.api.query(read, {"id": call["id"]}))["call"]
        assert stored["status"] == "COMPLETED"
        assert stored["raw"]["crm"] == params["crm"]
