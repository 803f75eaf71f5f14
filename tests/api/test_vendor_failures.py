"""What a client sees when the vendor fails: injected transports, no socket to a vendor."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.harness import GraphQLFailed, running_callboard
from tests.queries import PLACE_CALL

TOKEN = "vendor-token-that-must-not-leak"


def config() -> dict[str, object]:
    return {
        "providers": [
            {
                "id": "lirax-x",
                "kind": "lirax",
                "base_url": "https://lira.invalid:8482/general",
                "token": TOKEN,
                "webhook_token": "hook-token",
            }
        ]
    }


PLACE = {"input": {"provider": "lirax-x", "agent": "101", "to": "+79123456789"}}


async def place_with(handler: Callable[[httpx.Request], httpx.Response], **extra: str) -> object:
    transport = httpx.MockTransport(handler)
    async with running_callboard(config(), transports={"lirax-x": transport}) as api:
        return await api.query(PLACE_CALL, {"input": {**PLACE["input"], **extra}})


async def test_the_wire_format_is_a_form_post_with_cmd_and_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"id_makecall": "abc"})

    data = await place_with(handler)
    assert data["placeCall"]["call"]["providerCallId"] == "abc"  # type: ignore[index]
    (request,) = seen
    assert request.method == "POST"
    assert request.url == "https://lira.invalid:8482/general"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(httpx.QueryParams(request.content.decode()))
    assert form == {"cmd": "makeCall", "token": TOKEN, "from": "101", "to": "79123456789"}


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (httpx.ReadTimeout("slow"), "PROVIDER_TIMEOUT"),
        (httpx.ConnectError("refused"), "PROVIDER_UNAVAILABLE"),
        (httpx.Response(502, text=f"bad gateway {TOKEN}"), "PROVIDER_UNAVAILABLE"),
        (httpx.Response(200, text="<html>not json</html>"), "PROVIDER_UNAVAILABLE"),
    ],
)
async def test_vendor_failures_are_coded_errors_without_secrets(
    failure: Exception | httpx.Response, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(failure, Exception):
            raise failure
        return failure

    with pytest.raises(GraphQLFailed) as failed:
        await place_with(handler)
    assert failed.value.codes == [code]
    assert TOKEN not in str(failed.value.errors)
    assert TOKEN not in caplog.text


async def test_after_a_timeout_the_same_key_does_not_risk_a_second_call() -> None:
    attempts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise httpx.ReadTimeout("slow")
        return httpx.Response(200, json={"id_makecall": "second"})

    transport = httpx.MockTransport(handler)
    async with running_callboard(config(), transports={"lirax-x": transport}) as api:
        variables = {"input": {**PLACE["input"], "idempotencyKey": "k-1"}}
        with pytest.raises(GraphQLFailed):
            await api.query(PLACE_CALL, variables)
        retry = await api.query(PLACE_CALL, variables)
        (error,) = retry["placeCall"]["userErrors"]
        assert error["code"] == "IDEMPOTENCY_CONFLICT"
        assert "timed out" in error["message"]
        assert attempts == 1


async def test_after_a_refusal_the_same_key_can_be_used_again() -> None:
    replies = iter([httpx.Response(400), httpx.Response(200, json={"id_makecall": "ok"})])
    transport = httpx.MockTransport(lambda request: next(replies))
    async with running_callboard(config(), transports={"lirax-x": transport}) as api:
        variables = {"input": {**PLACE["input"], "idempotencyKey": "k-2"}}
        first = await api.query(PLACE_CALL, variables)
        assert first["placeCall"]["userErrors"][0]["code"] == "PROVIDER_REJECTED"
        second = await api.query(PLACE_CALL, variables)
        assert second["placeCall"]["call"]["providerCallId"] == "ok"
