"""Capability errors, whatever the kind: every operation of a capability the kind does not
declare answers `UNSUPPORTED` through GraphQL (the README promises it) and asks the vendor
nothing. The operations come from the areas (`OPERATIONS`), each document is made from
the schema, the kinds from the registry: a new operation, capability or kind is covered
without a line here."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
)

from callboard.domain.capabilities import Capability
from callboard.providers.registry import provider_class
from callboard.schema import build_schema
from callboard.schema.capabilities import OPERATIONS
from tests.contract.conftest import WEBHOOK_KINDS
from tests.harness import next_event
from tests.vendors import KINDS, Rig, post_webhook, vendor_rig

SCHEMA = build_schema()._schema

# a value of each scalar every input accepts (a phone number is a fine string)
_SCALARS: dict[str, Any] = {
    "String": "+79123456789",
    "ID": "1",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2030-01-01T00:00:00+00:00",
    "JSON": {},
}

# Operations that name no provider: they act on a call by its id (the call's provider is
# the one asked), each with its document.
_ON_A_CALL = {
    "hangupCall": "mutation($id: ID!) { hangupCall(id: $id) { __typename } }",
    "cancelRobocalls": "mutation($id: ID!) { cancelRobocalls(ids: [$id]) { __typename } }",
    "rescheduleRobocalls": """
        mutation($id: ID!) {
          rescheduleRobocalls(input: {calls: [{id: $id, plannedAt: "2031-01-01T00:00:00Z"}]}) {
            __typename
          }
        }""",
}
# ... or on a message by its id: only a kind that sends messages has any
_ON_ITS_OWN_OBJECTS = {"checkSms"}

# Lists and subscriptions that take an optional provider: tested apart, below.
_TESTED_APART = {"audioRecords"}


def _root(name: str) -> tuple[str, GraphQLField] | None:
    """The root field `name` and its operation type, if it is one."""
    roots = {
        "query": SCHEMA.query_type,
        "mutation": SCHEMA.mutation_type,
        "subscription": SCHEMA.subscription_type,
    }
    for operation, root in roots.items():
        if root is not None and name in root.fields:
            return operation, root.fields[name]
    return None


def _value(type_: GraphQLInputType, provider: str) -> Any:
    """A value of an input type: every required field filled, `provider` the one asked."""
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, provider)
    if isinstance(type_, GraphQLList):
        return [_value(type_.of_type, provider)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: provider if name == "provider" else _value(field.type, provider)
            for name, field in type_.fields.items()
            if name == "provider" or _required(field.type, field.default_value)
        }
    return _SCALARS[type_.name]  # type: ignore[attr-defined]


def _required(type_: GraphQLInputType, default: Any) -> bool:
    return isinstance(type_, GraphQLNonNull) and default is Undefined


def _names_a_provider(field: GraphQLField) -> bool:
    """Whether the field takes `provider`, itself or in its input."""
    for name, arg in field.args.items():
        inner = arg.type.of_type if isinstance(arg.type, GraphQLNonNull) else arg.type
        if name == "provider":
            return True
        if isinstance(inner, GraphQLInputObjectType) and "provider" in inner.fields:
            return True
    return False


def document(name: str, provider: str) -> tuple[str, dict[str, Any]]:
    """A document asking root field `name` of `provider`, with its variables."""
    found = _root(name)
    assert found, name
    operation, field = found
    declared, arguments, variables = [], [], {}
    for arg_name, arg in field.args.items():
        if arg_name == "provider" or _required(arg.type, arg.default_value):
            variables[arg_name] = provider if arg_name == "provider" else _value(arg.type, provider)
            declared.append(f"${arg_name}: {arg.type}")
            arguments.append(f"{arg_name}: ${arg_name}")
    return (
        f"{operation}({', '.join(declared)}) {{ {name}({', '.join(arguments)}) {{ __typename }} }}",
        variables,
    )


def lacking(kind: str) -> Iterator[tuple[Capability, str]]:
    """Each operation the kind does not serve, with the capability that opens it."""
    declared = provider_class(kind).capabilities
    served = {op for capability in declared for op in OPERATIONS[capability]}
    for capability, operations in OPERATIONS.items():
        if capability not in declared:
            for name in operations:
                if name not in served:  # `numbers` is opened by two capabilities
                    yield capability, name


def _asks_a_provider(name: str) -> bool:
    found = _root(name)
    return found is not None and found[0] != "subscription" and _names_a_provider(found[1])


def _a_subscription(name: str) -> bool:
    found = _root(name)
    return found is not None and found[0] == "subscription"


def test_every_operation_is_asked_one_way_or_another() -> None:
    """So that an operation added to an area is in one of the tests below."""
    for operations in OPERATIONS.values():
        for name in operations:
            type_name, _, _ = name.rpartition(".")
            if type_name:  # a field of a type (Call.recordingUrl): null where not served
                assert isinstance(SCHEMA.type_map[type_name], GraphQLObjectType), name
                continue
            asked = (
                _asks_a_provider(name)
                or _a_subscription(name)
                or name in _ON_A_CALL
                or name in _ON_ITS_OWN_OBJECTS
            )
            assert asked, f"{name}: which provider does it ask? add it to a test here"


def assert_unsupported(body: dict[str, Any], name: str, capability: Capability) -> None:
    """One GraphQL error, UNSUPPORTED, and no data: nothing done and nothing made up."""
    (error,) = body.get("errors") or [{}]
    assert error.get("extensions", {}).get("code") == "UNSUPPORTED", (name, capability, body)
    assert body["data"] is None, f"{name}: nothing of the operation is answered"


@pytest.mark.parametrize("kind", KINDS)
async def test_every_operation_naming_a_provider_it_lacks_is_unsupported(kind: str) -> None:
    operations = [
        (capability, name)
        for capability, name in lacking(kind)
        if _asks_a_provider(name) and name not in _TESTED_APART
    ]
    async with vendor_rig(kind) as rig:
        asked_before = sum(rig.vendor.simulator.requests.values())
        for capability, name in operations:
            text, variables = document(name, rig.provider_id)
            assert_unsupported((await rig.api.post(text, variables)).json(), name, capability)
        assert sum(rig.vendor.simulator.requests.values()) == asked_before, "vendor not asked"


async def a_call_of(rig: Rig) -> str:
    """The id of a call the kind's vendor told Callboard about."""
    vendor = rig.vendor
    response = await post_webhook(
        rig.api, rig.provider_id, params=vendor.webhook_auth, json=vendor.webhook_json
    )
    assert response.status_code == 200, response.text
    calls = (await rig.api.query("{ calls { edges { node { id } } } }"))["calls"]["edges"]
    (call,) = calls
    return call["node"]["id"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("kind", WEBHOOK_KINDS)
async def test_every_operation_on_its_call_it_lacks_is_unsupported(kind: str) -> None:
    operations = [(c, name) for c, name in lacking(kind) if name in _ON_A_CALL]
    async with vendor_rig(kind) as rig:
        call_id = await a_call_of(rig)
        asked_before = sum(rig.vendor.simulator.requests.values())
        for capability, name in operations:
            body = (await rig.api.post(_ON_A_CALL[name], {"id": call_id})).json()
            assert_unsupported(body, name, capability)
        assert sum(rig.vendor.simulator.requests.values()) == asked_before, "vendor not asked"


def _kinds_lacking(name: str) -> list[str]:
    return [k for k in KINDS if any(op == name for _, op in lacking(k))]


@pytest.mark.parametrize("kind", _kinds_lacking("audioRecords"))
async def test_audio_records_of_a_kind_without_them_is_unsupported(kind: str) -> None:
    async with vendor_rig(kind) as rig:
        text, variables = document("audioRecords", rig.provider_id)
        body = (await rig.api.post(text, variables)).json()
    assert_unsupported(body, "audioRecords", Capability.AUDIO_RECORDS)


@pytest.mark.parametrize(
    "kind", [k for k in KINDS if any(_a_subscription(op) for _, op in lacking(k))]
)
async def test_every_subscription_naming_a_provider_it_lacks_is_unsupported(kind: str) -> None:
    names = [name for _, name in lacking(kind) if _a_subscription(name)]
    async with vendor_rig(kind) as rig:

        async def first_answer(name: str) -> BaseException | dict[str, Any]:
            text, variables = document(name, rig.provider_id)
            try:
                async with rig.api.subscription(text, variables) as events:
                    # an error comes at once; an accepted subscription says nothing
                    return await next_event(events, timeout=0.2)
            except Exception as error:  # the error is what is asserted
                return error

        answers = await asyncio.gather(*(first_answer(name) for name in names))
    for name, answer in zip(names, answers, strict=True):
        assert "UNSUPPORTED" in repr(answer) or "does not support" in str(answer), name
