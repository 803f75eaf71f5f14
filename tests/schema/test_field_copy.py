"""field_copy.copied: GraphQL types from domain records and domain requests from inputs."""

from __future__ import annotations

import strawberry

from callboard.domain import directory
from callboard.domain.errors import BadInput, ProviderRejected
from callboard.domain.incoming import IncomingAction, IncomingNumbersRequest, NumberConnection
from callboard.schema.field_copy import copied
from callboard.schema.numbers import AddIncomingNumbersInput, IncomingNumberInput, PhoneNumber
from callboard.schema.user_error import UserError


def test_a_type_takes_the_records_fields_by_name_and_the_given_ones_as_given() -> None:
    record = directory.PhoneNumber(
        "zv", "+79990001122", name="Sales", number_id="17", shared=True, raw={"id": 17}
    )
    shown = PhoneNumber.of(record)
    assert shown == PhoneNumber(
        provider=strawberry.ID("zv"),
        number="+79990001122",
        name="Sales",
        number_id="17",
        shared=True,
        raw={"id": 17},
    )


def test_a_field_the_source_lacks_keeps_its_default() -> None:
    # Only a vendor's refusal carries a vendor code; a bad input shows none.
    refused = UserError.of(ProviderRejected("No money left.", vendor_code="402"))
    bad = UserError.of(BadInput("Not a phone.", field="phone"))
    assert (refused.code, refused.message, refused.vendor_code) == (
        "PROVIDER_REJECTED",
        "No money left.",
        "402",
    )
    assert (bad.code, bad.field, bad.vendor_code) == ("BAD_INPUT", "phone", None)


def test_an_input_becomes_its_request_with_renamed_and_converted_fields() -> None:
    input = AddIncomingNumbersInput(
        provider=strawberry.ID("t24"),
        numbers=[
            IncomingNumberInput(
                number="+79990001122", name="Line 1", provider_id="trunk-9", login="sip"
            )
        ],
        action=IncomingAction.ROBOT,
        bot_id="bot-1",
        webhook_urls=["https://example.test/hook"],
    )
    request = input.to_request()
    assert isinstance(request, IncomingNumbersRequest)
    assert request.action is IncomingAction.ROBOT
    assert request.bot_id == "bot-1"
    assert request.webhook_urls == ("https://example.test/hook",)
    (number,) = request.numbers
    assert (number.number, number.name) == ("+79990001122", "Line 1")
    assert number.connection == NumberConnection(trunk_id="trunk-9", login="sip")


def test_fields_with_a_resolver_are_not_copied() -> None:
    @strawberry.type
    class Shown:
        name: str

        @strawberry.field
        def loud(self) -> str:
            return self.name.upper()

    class Source:
        name = "a"
        loud = "not a field to copy"

    assert copied(Shown, Source()).loud() == "A"
