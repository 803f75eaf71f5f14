"""Hostile bodies on every vendor's webhook route: any bytes, JSON deep and wide, forms
with any values, signed and not. Never a 5xx, and the server is healthy after."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.conftest import Demo
from tests.hostile.strategies import form_bodies, json_bodies
from tests.lirax_hooks import call_completed

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ZVONOBOT_STATUS = {
    "id": 1001,
    "phone": "79123456789",
    "status": "finished",
    "calls": [{"phone": "79123456789", "status": "answered", "answeredAt": 1767250000}],
    "webhookParameters": {"callboard_ref": "r-1"},
}
TWIN24_CALL = {
    "callId": "c-1",
    "caller": "79123456789",
    "number": "74951234501",
    "status": "answered",
    "recordUrl": "https://records.example/c-1.mp3",
}
WHILE1_EVENT = {"event": "outgoing_end", "uniqueid": "1.1", "destination": "40212345678"}
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]


def hook_key(demo: Demo, provider_id: str) -> str:
    """The `key` in the webhook URL Callboard hands this provider's vendor."""
    url = demo.runtime.providers[provider_id].webhook_url  # type: ignore[attr-defined]
    return dict(parse_qsl(urlsplit(url).query))["key"]


def post(demo: Demo, provider_id: str, **request: Any) -> int:
    method = request.pop("method", "POST")
    response = demo.http.request(method, f"{demo.url}/webhooks/{provider_id}", **request)
    assert response.status_code < 500, (response.status_code, response.text[:300])
    return response.status_code


@FUZZ
@given(
    body=form_bodies(call_completed("X-1")) | json_bodies(call_completed("X-1")),
    signed=st.booleans(),
    content_type=st.sampled_from(CONTENT_TYPES),
)
def test_lirax(demo: Demo, body: bytes, signed: bool, content_type: str) -> None:
    token = demo.runtime.providers["lirax-demo"].options.webhook_token  # type: ignore[attr-defined]
    if signed:
        body += f"&from_LiraX_token={token}".encode()
    post(demo, "lirax-demo", content=body, headers={"content-type": content_type})


@FUZZ
@given(body=json_bodies(ZVONOBOT_STATUS), signed=st.booleans())
def test_zvonobot(demo: Demo, body: bytes, signed: bool) -> None:
    key = hook_key(demo, "zvonobot-demo") if signed else "guess"
    post(demo, "zvonobot-demo", params={"key": key}, content=body)


@FUZZ
@given(body=json_bodies(TWIN24_CALL), signed=st.booleans())
def test_twin24(demo: Demo, body: bytes, signed: bool) -> None:
    key = hook_key(demo, "twin24-demo") if signed else "guess"
    post(demo, "twin24-demo", params={"key": key}, content=body)


@FUZZ
@given(
    query=st.dictionaries(st.text(max_size=20), st.text(max_size=200), max_size=10),
    body=form_bodies(WHILE1_EVENT),
    method=st.sampled_from(["GET", "POST"]),
    signed=st.booleans(),
)
def test_while1(demo: Demo, query: dict[str, str], body: bytes, method: str, signed: bool) -> None:
    token = demo.runtime.providers["while1-demo"].options.webhook_token  # type: ignore[attr-defined]
    params = {**WHILE1_EVENT, **query, "token": token if signed else "guess"}
    content = body if method == "POST" else None
    post(demo, "while1-demo", method=method, params=params, content=content)


@FUZZ
@given(body=st.binary(max_size=2_000))
def test_liner_has_no_webhooks(demo: Demo, body: bytes) -> None:
    assert post(demo, "liner-demo", content=body) == 404


@pytest.mark.parametrize("provider_id", ["no-such-provider", "x" * 5_000, "%00", "..%2F.."])
def test_unknown_providers(demo: Demo, provider_id: str) -> None:
    assert post(demo, provider_id, content=b"{}") == 404


def test_the_server_is_healthy_after(demo: Demo) -> None:
    demo.healthy()
