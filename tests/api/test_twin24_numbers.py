"""Twin24 incoming numbers through GraphQL: addIncomingNumbers with its routing rule, the
checks made before sending, JWT login and renewal, and the numbers query."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from callboard.demo import address, bind
from callboard.providers.zvonobot.simulator import ZvonobotSimulator
from tests.harness import GraphQLFailed, serving
from tests.vendors import TWIN24_STATIC_TOKEN as STATIC_TOKEN
from tests.vendors import Rig, vendor_rig

ADD = """
mutation($i: AddIncomingNumbersInput!) {
  addIncomingNumbers(input: $i) {
    numbers { provider number name shared raw }
    userErrors { field message code vendorCode }
  }
}"""

NUMBERS = "query($p: ID) { numbers(provider: $p) { provider number name shared } }"

TRUNK = "bce7d22e-dde6-4427-b391-ebbdfda44de6"
BOT = "5f0c1a52-6d1c-4c55-8d3e-1b3a2f6c9e10"


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with vendor_rig("twin24") as rig:
        yield rig


async def add(rig: Rig, numbers: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    variables = {"i": {"provider": rig.provider_id, "numbers": numbers, **options}}
    return (await rig.api.query(ADD, variables))["addIncomingNumbers"]  # type: ignore[no-any-return]


ONE = [{"number": "+7 495 123-45-01", "name": "Sales", "did": "123"}]


async def test_numbers_and_their_rule_reach_twin24_as_its_field_table_says(rig: Rig) -> None:
    result = await add(
        rig,
        [
            {
                "number": "8 (495) 123-45-01",
                "name": "Sales",
                "providerId": TRUNK,
                "did": "123",
                "login": "trunk-login",
                "password": "trunk-secret",
                "forceOutOverChannel": True,
            },
            {"number": "+74951234502", "name": "Support", "numberAsDid": True},
        ],
        action="ROBOT",
        botId=BOT,
        callerIdName="NUM_NAME",
        callerIdNumber="CALLER",
        recordCalls=True,
        comment="Added by Callboard",
        webhookUrls=["https://crm.example.com/hooks/twin24"],
    )
    assert result["userErrors"] == []
    assert [(n["number"], n["name"], n["shared"]) for n in result["numbers"]] == [
        ("+74951234501", "Sales", False),
        ("+74951234502", "Support", False),
    ]
    assert "trunk-secret" not in json.dumps(result), "a trunk password is never shown"
    sim = rig.vendor.simulator
    first, second = sim.rule("74951234501"), sim.rule("74951234502")
    assert first is not None
    assert second is not None
    assert first["name"] == "Sales"
    assert first["incomingCallsOptions"] == {
        "action": "robot",
        "botId": BOT,
        "cidAsName": "num_name",
        "cidAsNumber": "caller",
        "reserveAction": "default",
        "reserveActionData": None,
        "reserveCidAsName": "original",
        "reserveCidAsNumber": "original",
    }
    assert first["notificationOptions"] == {
        "type": "off",
        "condition": "unanswer",
        "emailReceivers": [],
        "smsReceivers": [],
    }
    assert first["additionalOptions"] == {"callRecord": "all", "comment": "Added by Callboard"}
    assert first["connectionOptions"] == {
        "authUser": "",
        "forceOutOverChannel": True,
        "fromDomain": "",
        "login": "trunk-login",
        "password": "trunk-secret",  # sent to Twin24, never shown back
        "providerId": TRUNK,
        "did": "123",
        "numberAsDid": False,
    }
    assert second["connectionOptions"]["numberAsDid"] is True
    assert second["connectionOptions"]["providerId"] == TRUNK, "the provider's default trunk"
    hooks = first["webhookUrls"]
    assert hooks[0] == "https://crm.example.com/hooks/twin24"
    assert hooks[1].startswith(f"{rig.api.webhook_base}/{rig.provider_id}?key=")


async def test_added_numbers_are_listed_without_passwords(rig: Rig) -> None:
    numbers = [{**ONE[0], "login": "l", "password": "trunk-secret"}]
    assert (await add(rig, numbers))["userErrors"] == []
    listed = (await rig.api.query(NUMBERS))["numbers"]
    assert listed == [
        {"provider": rig.provider_id, "number": "+74951234501", "name": "Sales", "shared": False}
    ]
    raw = await rig.api.query("{ numbers { raw } }")
    assert "trunk-secret" not in json.dumps(raw)


@pytest.mark.parametrize(
    ("numbers", "options", "field"),
    [
        (ONE, {"action": "ROBOT"}, "botId"),
        ([{"number": "+74951234501", "name": "Sales"}], {}, "numbers[0].did"),
        ([ONE[0], {**ONE[0], "number": "8 495 123 45 01"}], {}, "numbers[1].number"),
        ([], {}, "numbers"),
        ([{**ONE[0], "name": " "}], {}, "numbers[0].name"),
        ([{**ONE[0], "number": "12"}], {}, "numbers[0].number"),
        (ONE, {"webhookUrls": ["ftp://x"]}, "webhookUrls[0]"),
    ],
)
async def test_cross_field_rules_are_checked_before_sending(
    rig: Rig, numbers: list[dict[str, Any]], options: dict[str, Any], field: str
) -> None:
    result = await add(rig, numbers, **options)
    (error,) = result["userErrors"]
    assert error["code"] == "BAD_INPUT"
    assert error["field"] == field
    assert (
        rig.vendor.simulator.requests.get("/cis/api/v1/telephony/incomingRules/create/batch", 0)
        == 0
    )


async def test_a_number_without_a_trunk_needs_default_provider_id() -> None:
    async with vendor_rig("twin24", credentials={"default_provider_id": ""}) as rig:
        (error,) = (await add(rig, ONE))["userErrors"]
    assert error["field"] == "numbers[0].providerId"


async def test_twin24_refusing_a_number_is_a_user_error_with_its_message(rig: Rig) -> None:
    assert (await add(rig, ONE))["userErrors"] == []
    (error,) = (await add(rig, ONE))["userErrors"]
    assert error["code"] == "PROVIDER_REJECTED"
    assert error["message"].startswith("Twin24: ")
    assert "already exists" in error["message"]
    assert len((await rig.api.query(NUMBERS))["numbers"]) == 1


async def test_one_login_serves_many_requests(rig: Rig) -> None:
    for n in range(3):
        number = {**ONE[0], "number": f"+7495123460{n}"}
        assert (await add(rig, [number]))["userErrors"] == []
    assert rig.vendor.simulator.logins == 1


async def test_an_expired_token_is_renewed_and_the_request_goes_through(rig: Rig) -> None:
    assert (await add(rig, ONE))["userErrors"] == []
    rig.vendor.simulator.expire_tokens()
    result = await add(rig, [{**ONE[0], "number": "+74951234609"}])
    assert result["userErrors"] == []
    assert rig.vendor.simulator.logins == 2


async def test_a_token_about_to_expire_is_renewed_before_it_is_used() -> None:
    async with vendor_rig("twin24") as rig:
        rig.vendor.simulator.token_ttl = 30  # less than the renewal margin
        for n in range(2):
            assert (await add(rig, [{**ONE[0], "number": f"+7495123461{n}"}]))["userErrors"] == []
        assert rig.vendor.simulator.logins == 2
        assert rig.vendor.simulator.requests.get("401", 0) == 0


async def test_a_configured_token_is_used_without_logging_in() -> None:
    async with vendor_rig(
        "twin24", credentials={"email": "", "password": "", "token": STATIC_TOKEN}
    ) as rig:
        assert (await add(rig, ONE))["userErrors"] == []
        assert rig.vendor.simulator.logins == 0


async def test_a_refused_configured_token_is_for_the_operator() -> None:
    async with vendor_rig(
        "twin24", credentials={"email": "", "password": "", "token": "revoked-token"}
    ) as rig:
        (error,) = (await add(rig, ONE))["userErrors"]
    assert error["code"] == "PROVIDER_MISCONFIGURED"
    assert "revoked-token" not in error["message"]


@contextlib.asynccontextmanager
async def zvonobot_beside() -> AsyncIterator[dict[str, Any]]:
    sim = ZvonobotSimulator(api_key="zb-key")
    sock = bind("127.0.0.1", 0)
    try:
        async with serving(sim.app, sock):
            yield {"id": "zb", "kind": "zvonobot", "base_url": address(sock), "api_key": "zb-key"}
    finally:
        await sim.aclose()


async def test_numbers_joins_added_numbers_with_every_other_providers() -> None:
    async with (
        zvonobot_beside() as zvonobot,
        vendor_rig("twin24", config={"providers": [zvonobot]}) as rig,
    ):
        assert (await add(rig, ONE))["userErrors"] == []
        listed = (await rig.api.query(NUMBERS))["numbers"]
        providers = {n["provider"] for n in listed}
        assert providers == {rig.provider_id, "zb"}
        assert {
            "provider": rig.provider_id,
            "number": "+74951234501",
            "name": "Sales",
            "shared": False,
        } in listed
        only = (await rig.api.query(NUMBERS, {"p": rig.provider_id}))["numbers"]
        assert [n["number"] for n in only] == ["+74951234501"]


async def test_the_same_idempotency_key_adds_the_numbers_once(rig: Rig) -> None:
    first = await add(rig, ONE, idempotencyKey="numbers-1")
    again = await add(rig, ONE, idempotencyKey="numbers-1")
    assert first == again
    assert first["userErrors"] == []
    assert len(rig.vendor.simulator.rules) == 1


async def test_adding_numbers_on_a_provider_that_cannot_is_unsupported() -> None:
    async with vendor_rig("liner") as rig:
        with pytest.raises(GraphQLFailed) as failed:
            await add(rig, ONE)
        assert failed.value.codes == ["UNSUPPORTED"]
