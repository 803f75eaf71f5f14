"""The compiled execution path (callboard.compiled) answers exactly as the general path
(strawberry on graphql-core) does, or not at all: for every document of a fixed corpus
and for documents generated from the schema, for a client that sees every provider and
one that sees one. The general path's answer is what the HTTP view sends: `execute`,
then `process_result`, compared as JSON with its keys' order."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import graphql
import orjson
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries
from strawberry.http import process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from callboard.app import CallboardGraphQL
from callboard.auth import Caller
from callboard.compiled import CompiledQueries
from callboard.graphql_requests import BAD_REQUEST
from callboard.resolvers.loaders import Loaders
from callboard.runtime import Runtime
from callboard.schema import CallboardSchema, build_schema
from callboard.schema.context import Context
from tests.call_log import CallLog, call_log
from tests.differential_corpus import (
    HAND_WRITTEN,
    MUST_COVER,
    Case,
    collected_documents,
    from_the_tests,
)
from tests.document_rewrites import Pools, rewritten
from tests.queries import CALL, CALLS, PROVIDERS
from tests.services import BOTH_DATABASES, database

# The app and its log are made once for the module, on the module's loop.
on_module_loop = pytest.mark.asyncio(loop_scope="module")

CLIENTS = ("wide", "narrow")


def _paths(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON value with its path, in order: a list of these compares key
    order too, and pytest's diff of two of them names the first path that differs."""
    if isinstance(value, dict):
        yield f"{path}{{}}", list(value)
        for key, inner in value.items():
            yield from _paths(inner, f"{path}.{key}")
    elif isinstance(value, list):
        yield f"{path}[]", len(value)
        for index, inner in enumerate(value):
            yield from _paths(inner, f"{path}[{index}]")
    else:
        yield path, value


def _bad_request(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": BAD_REQUEST}}]}


class Outcome(NamedTuple):
    fast: dict[str, Any] | None  # None: the compiled path does not cover the request
    general: dict[str, Any]


@dataclass
class Differential:
    """Runs one request on both paths, against the app's own schema and runtime."""

    schema: CallboardSchema
    runtime: Runtime
    compiled: CompiledQueries
    clients: Mapping[str, Caller]

    def context(self, client: str) -> Context:
        return Context(
            runtime=self.runtime, loaders=Loaders(self.runtime), caller=self.clients[client]
        )

    async def general(self, case: Case, client: str) -> dict[str, Any]:
        """What the HTTP view answers a POST of `case` (async_base_view.execute_single;
        what it turns into HTTP 400, in Callboard's error body)."""
        try:
            result = await self.schema.execute(
                case.document,
                variable_values=dict(case.variables) if case.variables is not None else None,
                context_value=self.context(client),
                operation_name=case.operation,
                allowed_operation_types=OperationType.from_http("POST"),
            )
        except CannotGetOperationTypeError as exc:
            return _bad_request(exc.as_http_error_reason())
        except InvalidOperationTypeError as exc:
            return _bad_request(exc.as_http_error_reason("POST"))
        return json.loads(json.dumps(process_result(result)))  # type: ignore[no-any-return]

    async def fast(self, case: Case, client: str) -> dict[str, Any] | None:
        answer = await self.compiled.run(
            case.document, case.variables, case.operation, self.context(client)
        )
        # Encoded as the app encodes it (orjson writes the datetimes it leaves).
        return None if answer is None else json.loads(orjson.dumps(answer))

    async def compare(self, case: Case, client: str) -> Outcome:
        """Both answers, once the compiled path's is checked to be the general path's.
        The general path runs first, so the document is cached (or refused)."""
        first = await self.general(case, client)
        fast = await self.fast(case, client)
        expected = await self.general(case, client)
        if "errors" in expected:
            assert fast is None, (
                f"the compiled path answered where the general path has errors:\n{case}\n"
                f"{json.dumps(expected['errors'], indent=1)}"
            )
        else:
            # (not with errors: an internal error's correlation id is new each time)
            assert list(_paths(first)) == list(_paths(expected)), "the general path varies"
            if fast is not None:
                assert list(_paths(fast)) == list(_paths(expected)), case
        return Outcome(fast, expected)


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=BOTH_DATABASES)
async def log(request: pytest.FixtureRequest) -> AsyncIterator[CallLog]:
    async with database(request.param) as url, call_log(url) as log:
        yield log


@pytest.fixture(scope="module")
def differential(log: CallLog) -> Differential:
    assert log.api.app is not None
    endpoints = {getattr(route, "endpoint", None) for route in log.api.app.routes}
    (view,) = [e for e in endpoints if isinstance(e, CallboardGraphQL)]
    # The very instance the app answers with.
    compiled = view.compiled
    assert isinstance(compiled, CompiledQueries)
    return Differential(view.schema, log.api.runtime, compiled, log.clients)


COLLECTED = collected_documents()
CORPUS = from_the_tests(COLLECTED) + HAND_WRITTEN


def test_the_corpus_has_the_other_tests_documents() -> None:
    # A scan that stopped finding them would leave only the hand-written ones.
    assert len(COLLECTED) >= 20
    assert {CALL, CALLS, PROVIDERS} <= set(COLLECTED.values())


@on_module_loop
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
async def test_the_compiled_path_answers_as_the_general_path(
    differential: Differential, log: CallLog, case: Case, client: str
) -> None:
    await differential.compare(case.fill(log), client)


@on_module_loop
@pytest.mark.skipif(
    getattr(CompiledQueries, "STAND_IN", False),
    reason="callboard.compiled is the stand-in, which covers no document",
)
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("case", MUST_COVER, ids=[c.name for c in MUST_COVER])
async def test_the_compiled_path_covers_the_common_reads(
    differential: Differential, log: CallLog, case: Case, client: str
) -> None:
    outcome = await differential.compare(case.fill(log), client)
    assert outcome.fast is not None, f"the compiled path does not cover {case.name!r}"


GENERATED = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SCHEMA = build_schema()._schema
BASE_DOCUMENTS = queries(SCHEMA, fields=["providers", "calls", "call"], print_ast=lambda d: d)


@on_module_loop
@GENERATED
@given(document=BASE_DOCUMENTS, client=st.sampled_from(CLIENTS), data=st.data())
async def test_generated_documents_answer_as_the_general_path(
    differential: Differential,
    log: CallLog,
    document: graphql.DocumentNode,
    client: str,
    data: st.DataObject,
) -> None:
    case = data.draw(rewritten(SCHEMA, document, Pools.of(log)), label="request")
    outcome = await differential.compare(case, client)
    # (--hypothesis-show-statistics: how many examples had data to compare)
    errors = outcome.general.get("errors")
    event(f"general path: {errors[0].get('extensions', {}).get('code') if errors else 'data'}")
    event(f"compiled path: {'answered' if outcome.fast is not None else 'not covered'}")
