"""The incomingRules batch body, built from plain requests (no I/O): the page's field
table, the checks that name the GraphQL input field, and Twin24's field names mapped back."""

from __future__ import annotations

from typing import Any

import pytest

from callboard.domain.errors import BadInput
from callboard.domain.incoming import (
    CallerIdName,
    CallerIdNumber,
    IncomingAction,
    IncomingNumber,
    IncomingNumbersRequest,
    NumberConnection,
)
from callboard.providers.twin24.requests import (
    batch_body,
    connection_secrets,
    input_field,
    number_raw,
    wire_number,
)

OWN = "http://cb/webhooks/t24?key=s3cr3t-key"
TRUNK = "bce7d22e-dde6-4427-b391-ebbdfda44de6"
BOT = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


def number(e164: str = "+71234567001", name: str = "Линия 1", **connection: Any) -> IncomingNumber:
    return IncomingNumber(e164, name, NumberConnection(**{"did": "123", **connection}))


def request(*numbers: IncomingNumber, **fields: Any) -> IncomingNumbersRequest:
    return IncomingNumbersRequest(numbers=numbers or (number(),), **fields)


def body(req: IncomingNumbersRequest, *, default_trunk: str = TRUNK) -> dict[str, Any]:
    return batch_body(req, default_trunk=default_trunk, own_webhook_url=OWN)


def refused(req: IncomingNumbersRequest, *, default_trunk: str = TRUNK) -> BadInput:
    with pytest.raises(BadInput) as caught:
        body(req, default_trunk=default_trunk)
    return caught.value


# --- the body --------------------------------------------------------------------------


def test_the_pages_example_rebuilt_from_a_robot_request() -> None:
    req = request(
        number("+71234567001", "Название номера 1", did="123", force_out_over_channel=True),
        number(
            "+71234567002",
            "Название номера 2",
            did="456",
            number_as_did=True,
            force_out_over_channel=True,
        ),
        action=IncomingAction.ROBOT,
        bot_id=BOT,
        cid_as_name=CallerIdName.NUM_NAME,
        cid_as_number=CallerIdNumber.CALLER,
        record_calls=True,
        comment="Комментарий",
        webhook_urls=("https://sample.com",),
    )
    connection = {
        "authUser": "",
        "forceOutOverChannel": True,
        "fromDomain": "",
        "login": "",
        "password": "",
        "providerId": TRUNK,
    }
    assert body(req) == {
        "additionalOptions": {"callRecord": "all", "comment": "Комментарий"},
        "incomingCallsOptions": {
            "action": "robot",
            "botId": BOT,
            "cidAsName": "num_name",
            "cidAsNumber": "caller",
            "reserveAction": "default",
            "reserveActionData": None,
            "reserveCidAsName": "original",
            "reserveCidAsNumber": "original",
        },
        "notificationOptions": {
            "type": "off",
            "condition": "unanswer",
            "emailReceivers": [],
            "smsReceivers": [],
        },
        "webhookUrls": ["https://sample.com", OWN],
        "names": ["Название номера 1", "Название номера 2"],
        "numbers": ["71234567001", "71234567002"],
        "connectionOptionsList": [
            {**connection, "did": "123", "numberAsDid": False},
            {**connection, "did": "456", "numberAsDid": True},
        ],
    }


def test_action_end_sends_only_the_action() -> None:
    sent = body(request(bot_id=BOT, cid_as_name=CallerIdName.NUM_CALLER))
    assert sent["incomingCallsOptions"] == {"action": "end"}


def test_no_recording_choice_and_no_comment_leave_out_additional_options() -> None:
    assert "additionalOptions" not in body(request(comment="   "))


def test_recording_off_is_sent_as_off() -> None:
    assert body(request(record_calls=False))["additionalOptions"] == {"callRecord": "off"}


def test_notification_options_are_always_the_only_allowed_values() -> None:
    sent = body(request())
    assert sent["notificationOptions"] == {
        "type": "off",
        "condition": "unanswer",
        "emailReceivers": [],
        "smsReceivers": [],
    }


def test_callboards_webhook_url_comes_after_the_clients_and_only_once() -> None:
    assert body(request())["webhookUrls"] == [OWN]
    both = body(request(webhook_urls=("https://crm.example/hook", OWN)))
    assert both["webhookUrls"] == ["https://crm.example/hook", OWN]


def test_a_connection_without_credentials_has_empty_strings_as_the_page_shows() -> None:
    (connection,) = body(request())["connectionOptionsList"]
    assert connection == {
        "authUser": "",
        "fromDomain": "",
        "login": "",
        "password": "",
        "providerId": TRUNK,
        "did": "123",
        "numberAsDid": False,
    }


def test_force_out_over_channel_is_sent_only_when_chosen() -> None:
    # true reroutes every outgoing call of the account: never a default of ours.
    (chosen,) = body(request(number(force_out_over_channel=False)))["connectionOptionsList"]
    assert chosen["forceOutOverChannel"] is False
    (unset,) = body(request())["connectionOptionsList"]
    assert "forceOutOverChannel" not in unset


def test_trunk_credentials_are_sent() -> None:
    given = number(login="sip-user", password="trunk-pass", auth_user="auth", from_domain="sip.x")
    (connection,) = body(request(given))["connectionOptionsList"]
    assert connection["login"] == "sip-user"
    assert connection["password"] == "trunk-pass"
    assert connection["authUser"] == "auth"
    assert connection["fromDomain"] == "sip.x"


def test_a_numbers_own_trunk_wins_over_the_default() -> None:
    (connection,) = body(request(number(trunk_id="own-trunk")))["connectionOptionsList"]
    assert connection["providerId"] == "own-trunk"


def test_number_as_did_needs_no_did() -> None:
    (connection,) = body(request(number(did=None, number_as_did=True)))["connectionOptionsList"]
    assert connection["numberAsDid"] is True
    assert "did" not in connection


def test_names_are_sent_trimmed() -> None:
    assert body(request(number(name="  Офис  ")))["names"] == ["Офис"]


def test_numbers_are_international_digits_without_plus() -> None:
    assert wire_number("+71234567001", field="numbers[0].number") == "71234567001"
    assert wire_number("+375291234567", field="numbers[0].number") == "375291234567"


# --- checks before sending -------------------------------------------------------------


def test_no_numbers_is_refused() -> None:
    error = refused(IncomingNumbersRequest(numbers=()))
    assert error.field == "numbers"


def test_robot_without_a_bot_names_bot_id() -> None:
    for bot in (None, "  "):
        error = refused(request(action=IncomingAction.ROBOT, bot_id=bot))
        assert error.field == "botId"
        assert "botId" in error.message


def test_a_blank_name_names_the_number() -> None:
    error = refused(request(number(), number("+71234567002", name=" ")))
    assert error.field == "numbers[1].name"


def test_a_number_given_twice_names_the_second() -> None:
    error = refused(request(number(), number("+71234567002"), number("+71234567001")))
    assert error.field == "numbers[2].number"
    assert "numbers[0]" in error.message


def test_no_trunk_anywhere_names_provider_id() -> None:
    error = refused(request(number(), number("+71234567002")), default_trunk="")
    assert error.field == "numbers[0].providerId"
    assert "default_provider_id" in error.message


def test_a_number_with_its_own_trunk_needs_no_default() -> None:
    sent = body(request(number(trunk_id="t-1")), default_trunk="")
    assert sent["connectionOptionsList"][0]["providerId"] == "t-1"


def test_no_did_without_number_as_did_names_the_did() -> None:
    error = refused(request(number(), number("+71234567002", did=" ")))
    assert error.field == "numbers[1].did"
    assert "numberAsDid" in error.message


def test_a_client_webhook_url_must_be_http_and_is_not_quoted() -> None:
    secret_url = "ftp://hooks.example/in?token=client-secret"
    error = refused(request(webhook_urls=("https://ok.example", secret_url)))
    assert error.field == "webhookUrls[1]"
    assert "client-secret" not in error.message


def test_a_number_that_is_not_e164_digits_is_refused() -> None:
    error = refused(request(number("+7 123 abc")))
    assert error.field == "numbers[0].number"


# --- what is kept of it ------------------------------------------------------------------


def test_the_raw_kept_per_number_has_no_password_and_not_our_url() -> None:
    req = request(
        number(password="trunk-pass", login="sip-user"),
        number("+71234567002", name="Второй", did="456"),
        action=IncomingAction.ROBOT,
        bot_id=BOT,
        record_calls=True,
        webhook_urls=("https://crm.example/hook",),
    )
    sent = body(req)
    raw = number_raw(sent, 1, client_webhook_urls=req.webhook_urls)
    assert raw["number"] == "71234567002"
    assert raw["name"] == "Второй"
    assert raw["connectionOptions"]["did"] == "456"
    assert raw["incomingCallsOptions"]["botId"] == BOT
    assert raw["additionalOptions"] == {"callRecord": "all"}
    assert raw["webhookUrls"] == ["https://crm.example/hook"]
    first = number_raw(sent, 0, client_webhook_urls=req.webhook_urls)
    assert "password" not in first["connectionOptions"]
    assert first["connectionOptions"]["login"] == "sip-user"
    assert "s3cr3t-key" not in repr(first)


def test_connection_secrets_are_the_trunk_passwords() -> None:
    req = request(number(password="p-1"), number("+71234567002", password=None))
    assert connection_secrets(req) == ("p-1",)


# --- Twin24's field names back to the input's --------------------------------------------


@pytest.mark.parametrize(
    ("vendor", "expected"),
    [
        ("numbers.1", "numbers[1].number"),
        ("numbers[1]", "numbers[1].number"),
        ("names.0", "numbers[0].name"),
        ("connectionOptionsList.2.did", "numbers[2].did"),
        ("connectionOptionsList.0.providerId", "numbers[0].providerId"),
        ("connectionOptionsList.0.numberAsDid", "numbers[0].numberAsDid"),
        ("connectionOptionsList.1", "numbers[1]"),
        ("incomingCallsOptions.botId", "botId"),
        ("incomingCallsOptions.cidAsName", "callerIdName"),
        ("additionalOptions.callRecord", "recordCalls"),
        ("additionalOptions.comment", "comment"),
        ("webhookUrls.0", "webhookUrls[0]"),
        ("numbers", "numbers"),
        ("connectionOptionsList", "numbers"),
    ],
)
def test_vendor_fields_map_to_input_fields(vendor: str, expected: str) -> None:
    assert input_field(vendor, client_webhook_urls=1) == expected


@pytest.mark.parametrize(
    "vendor",
    [
        "webhookUrls.1",  # Callboard's own URL, after the client's one
        "notificationOptions.type",
        "incomingCallsOptions.reserveAction",
        "connectionOptionsList.0.somethingNew",
        "message",
    ],
)
def test_fields_the_client_does_not_set_map_to_none(vendor: str) -> None:
    assert input_field(vendor, client_webhook_urls=1) is None
