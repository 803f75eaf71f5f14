"""While1's originate-call parameters from Callboard's request, and its replies read into a
placed call or the error a client can act on (plain data, no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain.calls import AgentAnswer, AgentType, CallDirection, CallStatus
from callboard.domain.errors import BadInput, ProviderMisconfigured, ProviderRejected
from callboard.domain.provider_requests import PlaceCallRequest
from callboard.providers.while1.call_options import While1CallOptions
from callboard.providers.while1.mapping import caller_id, originate_params, placed_call

TO = "+40721234567"
EXT = "cb-0123456789abcdef0123456789abcdef"
OK = {"has_error": False, "messages": [], "results": ["Call successfully originated for user: 101"]}


def params(request: PlaceCallRequest, fmt: str = "e164", region: str = "RO") -> dict[str, Any]:
    return originate_params(
        request,
        While1CallOptions.from_extra(request.extra),
        username="cb-user",
        password="secret-pass",
        project_id=7,
        external_id=EXT,
        caller_id_format=fmt,
        region=region,
    )


def read(reply: dict[str, Any], *, wait: bool = False, status: int = 200, **extra: Any) -> Any:
    request = PlaceCallRequest(agent="101", to=TO, extra={"wait_for_answer": wait, **extra})
    options = While1CallOptions.from_extra(request.extra)
    return placed_call(reply, request, options, external_id=EXT, http_status=status, region="RO")


def failed(*messages: str) -> dict[str, Any]:
    return {"has_error": True, "messages": list(messages), "results": []}


# --- the request -----------------------------------------------------------------------


def test_a_plain_call_in_the_pages_order_with_its_defaults() -> None:
    sent = params(PlaceCallRequest(agent=" 101 ", to=TO))
    assert list(sent) == ["api_username", "api_password", "data"]
    assert sent["api_username"] == "cb-user"
    assert sent["api_password"] == "secret-pass"
    assert list(sent["data"].items()) == [
        ("project_id", 7),
        ("caller_id", TO),
        ("caller_id_name", TO),  # mandatory: the number when no name is known
        ("type", "user"),
        ("destination", "101"),
        ("external_id", EXT),
        ("async", 1),
    ]


def test_every_option_given() -> None:
    request = PlaceCallRequest(
        agent="test-queue",
        to=TO,
        extra={
            "agent_type": AgentType.QUEUE,
            "caller_id_name": " Ioana Ștefănescu ",
            "outbound_number": "+40212345678",
            "outbound_trunk": "default-trunk",
            "variables": {"SKIP_WELCOME": "1", "BACKEND_LINK": "https://crm.example.ro/?id=5"},
            "wait_for_answer": True,
        },
    )
    data = params(request)["data"]
    assert list(data) == [
        "project_id",
        "caller_id",
        "caller_id_name",
        "type",
        "destination",
        "external_id",
        "async",
        "outbound_number",
        "outbound_trunk",
        "vars",
    ]
    assert data["caller_id_name"] == "Ioana Ștefănescu"
    assert data["type"] == "queue"
    assert data["async"] == 0
    assert data["outbound_trunk"] == "default-trunk"
    assert data["vars"] == {"SKIP_WELCOME": "1", "BACKEND_LINK": "https://crm.example.ro/?id=5"}


def test_blank_optional_fields_are_not_sent() -> None:
    request = PlaceCallRequest(
        agent="101",
        to=TO,
        extra={"caller_id_name": "  ", "outbound_number": " ", "outbound_trunk": ""},
    )
    data = params(request)["data"]
    assert data["caller_id_name"] == TO
    assert "outbound_number" not in data
    assert "outbound_trunk" not in data
    assert "vars" not in data


@pytest.mark.parametrize("agent", ["", "   "])
def test_a_call_needs_an_agent(agent: str) -> None:
    with pytest.raises(BadInput) as error:
        params(PlaceCallRequest(agent=agent, to=TO))
    assert error.value.field == "agent"
    assert "user, queue or context" in error.value.message


@pytest.mark.parametrize("name", ["", "A B", "K[1]", "X]"])
def test_a_variable_name_php_would_misread_is_refused(name: str) -> None:
    with pytest.raises(BadInput) as error:
        params(
            PlaceCallRequest(
                agent="101", to=TO, extra={"variables": {"SKIP_WELCOME": "1", name: "1"}}
            )
        )
    assert error.value.field == "variables[1].name"


@pytest.mark.parametrize(
    ("to", "fmt", "region", "expected"),
    [
        (TO, "e164", "RO", TO),
        (TO, "digits", "RO", "40721234567"),
        (TO, "national", "RO", "0721234567"),
        ("+40212345678", "national", "RO", "0212345678"),
        ("+79123456789", "national", "RU", "89123456789"),
        # No national form the PBX could dial: left international.
        ("+79123456789", "national", "RO", "+79123456789"),
    ],
)
def test_caller_id_formats(to: str, fmt: str, region: str, expected: str) -> None:
    assert caller_id(to, fmt, region) == expected


def test_the_caller_id_format_is_applied_to_the_request() -> None:
    data = params(PlaceCallRequest(agent="101", to=TO), fmt="national")["data"]
    assert data["caller_id"] == "0721234567"
    assert data["caller_id_name"] == TO


# --- the reply -------------------------------------------------------------------------


def test_async_1_accepted_is_the_agent_being_rung() -> None:
    call = read(OK, outbound_number="0212345678")
    assert call.provider_call_id == EXT
    assert call.status is CallStatus.DIALING
    assert call.agent_answer is None
    assert call.direction is CallDirection.OUTBOUND
    assert call.to_number == TO
    assert call.from_number == "+40212345678"
    assert call.agent == "101"
    assert call.raw == {**OK, "external_id": EXT, "async": 1}


def test_async_0_accepted_is_the_agent_answered_and_the_customer_rung() -> None:
    call = read(OK, wait=True)
    assert call.status is CallStatus.RINGING
    assert call.agent_answer is AgentAnswer.ANSWERED
    assert call.refusal is None
    assert call.raw["async"] == 0


@pytest.mark.parametrize(
    "message",
    ["Call rejected by user", "User declined the call", "User is busy", "Call refused"],
)
def test_async_0_the_agent_refused(message: str) -> None:
    call = read(failed(message), wait=True)
    assert call.provider_call_id == EXT
    assert call.status is CallStatus.REJECTED
    assert call.agent_answer is AgentAnswer.REJECTED
    assert call.refusal == message


@pytest.mark.parametrize(
    "message", ["Timeout: user did not answer", "No answer from user", "Request timed out"]
)
def test_async_0_the_agent_let_it_ring(message: str) -> None:
    call = read(failed(message), wait=True)
    assert call.status is CallStatus.NO_ANSWER
    assert call.agent_answer is AgentAnswer.TIMED_OUT
    assert call.refusal == message


def test_with_async_1_a_refusal_is_an_error_not_a_call() -> None:
    with pytest.raises(ProviderRejected) as error:
        read(failed("Call rejected by user"))
    assert error.value.message == "While1: Call rejected by user"
    assert error.value.field == "agent"


@pytest.mark.parametrize(
    "message",
    [
        "Invalid API credentials",
        "Invalid hash",
        "Authentication failed",
        "Wrong api_username or api_password",
    ],
)
@pytest.mark.parametrize("wait", [False, True])
def test_credentials_are_the_operators_to_fix(message: str, wait: bool) -> None:
    with pytest.raises(ProviderMisconfigured) as error:
        read(failed(message), wait=wait)
    assert "check `api_username`, `api_password` and `api_key`" in error.value.message
    assert error.value.vendor_code == "has_error"


def test_another_project_is_the_operators_to_fix() -> None:
    with pytest.raises(ProviderMisconfigured) as error:
        read(failed("Invalid project. Check if pbx project exists"))
    assert "`project_id`" in error.value.message


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("Invalid Queue. Check if pbx queue exists", "agent"),
        ("Invalid user. Check if pbx user exists", "agent"),
        ("User is not logged in", "agent"),
        ("Invalid context. Check if pbx context exists", "agent"),
        ("Invalid type. Allowed types: user, queue, context", "agentType"),
        ("Invalid caller_id. Check the destination phone number", "to"),
        ("caller_id_name is mandatory", "callerIdName"),
        ("Invalid outbound_number", "outboundNumber"),
        ("Unknown outbound trunk", "outboundTrunk"),
        ("vars must be an array", "variables"),
        ("Service temporarily suspended", None),
    ],
)
def test_a_refusal_in_while1s_words_names_the_input(message: str, field: str | None) -> None:
    with pytest.raises(ProviderRejected) as error:
        read(failed(message))
    assert type(error.value) is ProviderRejected
    assert error.value.message == f"While1: {message}"
    assert error.value.vendor_code == "has_error"
    assert error.value.field == field


def test_several_messages_are_joined() -> None:
    with pytest.raises(ProviderRejected) as error:
        read(failed("Invalid Queue. Check if pbx queue exists", "Queue has no members"))
    assert error.value.message == (
        "While1: Invalid Queue. Check if pbx queue exists; Queue has no members"
    )


@pytest.mark.parametrize(
    "reply",
    [
        {"has_error": "true", "messages": "User is not logged in"},
        {"has_error": 1, "messages": {"destination": "User is not logged in"}},
        {"has_error": True, "message": "User is not logged in"},
    ],
)
def test_refusals_of_other_shapes_are_read(reply: dict[str, Any]) -> None:
    with pytest.raises(ProviderRejected, match=r"^While1: User is not logged in$"):
        read(reply)


def test_a_refusal_without_words_says_so() -> None:
    with pytest.raises(ProviderRejected, match=r"^While1: refused the call \(HTTP 200\)$"):
        read({"has_error": True, "messages": [], "results": []})


@pytest.mark.parametrize("has_error", [False, "false", 0, "0", None])
def test_success_written_other_ways(has_error: Any) -> None:
    assert read({"has_error": has_error, "results": []}).status is CallStatus.DIALING


def test_an_http_error_is_not_a_success_whatever_the_body() -> None:
    with pytest.raises(ProviderRejected, match=r"HTTP 422"):
        read({"has_error": False}, status=422)
