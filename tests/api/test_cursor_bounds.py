"""Cursors holding a number no id column holds (beyond 64 bits; on PostgreSQL, whose id
columns are INTEGER, beyond 32) or digits int() cannot read: BAD_INPUT naming `after`,
on SQLite and on PostgreSQL, never INTERNAL; the largest one the store holds still pages.
Vendor ids made of such digits are ids the vendor does not know."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError

from tests.harness import GraphQLFailed, next_event
from tests.services import fresh_database, needs_postgres
from tests.vendors import PROVIDER_ID, Rig, vendor_rig

# store -> the largest id its integer columns hold
LARGEST = {"sqlite": 2**63 - 1, "postgresql": 2**31 - 1}

CURSORS = {  # field -> (a document taking `after`, the type name inside its cursors)
    "calls": ("query($a: String) { calls(after: $a) { totalCount } }", "cursor"),
    "orders": ("query($a: String) { orders(after: $a) { nodes { orderId } } }", "OrderCursor"),
    "callEvents": ("subscription($a: ID) { callEvents(after: $a) { id } }", "CallEvent"),
    "agentStatusChanged": (
        "subscription($a: ID) { agentStatusChanged(after: $a) { cursor } }",
        "AgentStatusEvent",
    ),
    "smsEvents": ("subscription($a: ID) { smsEvents(after: $a) { cursor } }", "SmsEvent"),
}


def cursor(type_name: str, key: int | str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def past(store: str) -> list[int | str]:
    """Keys no cursor of `store` holds: one past its largest id, one past 64 bits, far
    beyond, and a digit Python's int() refuses."""
    return [LARGEST[store] + 1, 2**64, 10**30, "²"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Rig, str]]:
    async with contextlib.AsyncExitStack() as stack:
        url = "sqlite://"
        if request.param == "postgresql":
            url = await stack.enter_async_context(fresh_database())
        yield (
            await stack.enter_async_context(vendor_rig("lirax", config={"storage": {"url": url}})),
            request.param,
        )


async def error_of(rig: Rig, document: str, after: str) -> dict[str, Any]:
    """The one error a query, or a subscription once opened, answers for `after`."""
    if document.startswith("subscription"):
        with pytest.raises(TransportQueryError) as refused:
            async with rig.api.subscription(document, {"a": after}) as events:
                await next_event(events, timeout=5)
        (error,) = refused.value.errors or []
    else:
        with pytest.raises(GraphQLFailed) as failed:
            await rig.api.query(document, {"a": after})
        (error,) = failed.value.errors
    return error


@pytest.mark.parametrize("field", CURSORS)
async def test_a_cursor_beyond_what_the_store_holds_is_bad_input(
    store: tuple[Rig, str], field: str
) -> None:
    rig, kind = store
    document, type_name = CURSORS[field]
    for key in past(kind):
        error = await error_of(rig, document, cursor(type_name, key))
        assert error["extensions"] == {"code": "BAD_INPUT", "field": "after"}, key
    if document.startswith("query"):
        # The largest id the store holds is a cursor: everything is before it.
        await rig.api.query(document, {"a": cursor(type_name, LARGEST[kind])})


async def test_a_robocall_id_of_digits_python_cannot_read_is_an_unknown_call() -> None:
    robocalls = (
        f'query($i: [String!]!) {{ robocalls(provider: "{PROVIDER_ID}", ids: $i) {{ id }} }}'
    )
    async with vendor_rig("zvonobot") as rig:
        found = await rig.api.query(robocalls, {"i": ["²", "١٢"]})  # superscript, Arabic
        assert found["robocalls"] == [None, None]
