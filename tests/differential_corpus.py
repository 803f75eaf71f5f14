"""The fixed corpus of the compiled-query differential test: every query document the
other tests send to the call log's fields, and documents written to exercise GraphQL's
meaning (aliases, fragments, variables, directives, errors, scopes, operation names).

Values that exist only once the log is filled (call ids, cursors) are written as
placeholders, `"<lirax call>"`, and filled in by `Case.fill`."""

from __future__ import annotations

import ast
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphql

from tests.call_log import LIRAX, WHILE1, CallLog

TESTS = Path(__file__).parent
# What is not part of the corpus: this test's own modules.
_OWN = {
    "call_log.py",
    "differential_corpus.py",
    "document_rewrites.py",
    "test_compiled_differential.py",
}

# Root fields answered from the call log and the configuration, with no vendor request.
LOG_FIELDS = frozenset({"providers", "calls", "call", "contact"})
_META_FIELDS = frozenset({"__typename", "__schema", "__type"})


@dataclass(frozen=True)
class Case:
    name: str
    document: str
    variables: Mapping[str, Any] | None = None
    operation: str | None = None

    def fill(self, log: CallLog) -> Case:
        """This case with the log's ids and cursors for its placeholders."""
        values = placeholders(log)
        document = self.document
        for placeholder, value in values.items():
            document = document.replace(json.dumps(placeholder), json.dumps(value))
        variables = None
        if self.variables is not None:
            variables = {k: values.get(v, v) for k, v in self.variables.items()}
        return Case(self.name, document, variables, self.operation)


def placeholders(log: CallLog) -> dict[str, str]:
    return {
        "<lirax call>": log.lirax_calls[1],  # answered and recorded: 4 events
        "<missed lirax call>": log.lirax_calls[0],  # no answer, no recording
        "<while1 call>": log.while1_calls[1],  # outside the narrow client's scope
        "<event>": log.event_ids[0],  # an id of another type
        "<cursor 10>": log.cursors[9],
        "<last cursor>": log.cursors[-1],
        "<middle change>": log.changes[len(log.changes) // 2],
        "<change cursor 10>": log.change_cursors[9],
        "<last change cursor>": log.change_cursors[-1],
    }


# -- the other tests' documents ----------------------------------------------------------


def _string_constants(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "{" in node.value:
            yield node.lineno, node.value


def _reads_the_log(text: str) -> bool:
    """A query document whose root fields are the log's (or meta fields), one at least."""
    try:
        document = graphql.parse(text)
    except graphql.GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    if not operations or any(o.operation is not graphql.OperationType.QUERY for o in operations):
        return False
    roots = {
        s.name.value
        for o in operations
        for s in o.selection_set.selections
        if isinstance(s, graphql.FieldNode)
    }
    return bool(roots & LOG_FIELDS) and roots <= LOG_FIELDS | _META_FIELDS


def collected_documents() -> dict[str, str]:
    """Where each document was found ("api/test_calls.py:12") -> its text, once each."""
    found: dict[str, str] = {}
    for path in sorted(TESTS.rglob("*.py")):
        if path.name in _OWN:
            continue
        for line, text in _string_constants(path):
            if _reads_the_log(text) and text not in found.values():
                found[f"{path.relative_to(TESTS)}:{line}"] = text
    return found


# Values for the variables the other tests' documents declare, by name: the first is the
# usual one, each other one is tried alone (one variable varied at a time).
_VALUES: dict[str, list[Any]] = {
    "id": ["<lirax call>", "<while1 call>", "<missed lirax call>", "<event>", "not-an-id"],
    "a": [None, "<cursor 10>", "garbage"],
    "after": [None, "<cursor 10>", "<last cursor>", "garbage"],
    "first": [None, 5, 100, 0],
    "provider": [None, LIRAX, WHILE1, "no-such"],
    "phone": [None, "+380 99 123 45 67", "12"],
    "status": [None, "COMPLETED", "NO_ANSWER", "BUZY"],
    "s": ["COMPLETED", None],
    "p": ["+380991234567"],
    "since": ["<middle change>", None, "1970-01-01T00:00:00", "yesterday"],
}


def _variable_sets(text: str) -> list[dict[str, Any]]:
    declared = [
        v.variable.name.value
        for d in graphql.parse(text).definitions
        if isinstance(d, graphql.OperationDefinitionNode)
        for v in d.variable_definitions or ()
    ]
    known = [name for name in declared if name in _VALUES]
    usual = {name: _VALUES[name][0] for name in known}
    varied = [{**usual, name: value} for name in known for value in _VALUES[name][1:]]
    return [usual, *varied]


def from_the_tests(documents: Mapping[str, str]) -> list[Case]:
    """Each of `documents` (`collected_documents()`) with each of its variable sets."""
    return [
        Case(f"{where}#{n}", text, variables)
        for where, text in documents.items()
        for n, variables in enumerate(_variable_sets(text))
    ]


# -- written for this test ---------------------------------------------------------------


@dataclass(frozen=True)
class _Doc:
    name: str
    document: str
    variables: list[dict[str, Any] | None] = field(default_factory=lambda: [None])
    operations: list[str | None] = field(default_factory=lambda: [None])

    def cases(self) -> list[Case]:
        pairs = itertools.product(self.variables, self.operations)
        return [Case(f"{self.name}#{n}", self.document, v, o) for n, (v, o) in enumerate(pairs)]


BOARD = """
query Board($first: Int = 10, $withEvents: Boolean!, $provider: ID) {
  recent: calls(first: $first, provider: $provider) { ...Page }
  missed: calls(first: 5, status: NO_ANSWER) {
    totalCount
    nodes { id ... on Call { status answeredAt recordingUrl } }
  }
}
fragment Page on CallConnection {
  pageInfo { hasNextPage endCursor }
  edges {
    cursor
    node {
      ...Row
      events @include(if: $withEvents) { kind }
      provider @skip(if: $withEvents) { id }
    }
  }
}
fragment Row on Call { id status from to }
"""

CALL_WITH_EVENTS = """query ($id: ID!) {
  call(id: $id) { id status from to startedAt events { id kind status occurredAt } }
}"""

EPOCH = "1970-01-01T00:00:00Z"

# What a client keeping its own copy of the log asks (issue 21).
SYNC = """query ($since: DateTime, $after: String, $first: Int = 7) {
  calls(updatedAfter: $since, after: $after, first: $first) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      cursor
      node {
        id status createdAt updatedAt cost currency recordingUrl
        recording { url durationSeconds }
      }
    }
  }
}"""

NEW_FILTERS = """query ($direction: CallDirection, $after: DateTime, $before: DateTime) {
  calls(direction: $direction, startedAfter: $after, startedBefore: $before, first: 50) {
    totalCount
    edges { cursor node { id direction startedAt recording { url } } }
  }
}"""

# Documents the compiled path must run itself (not answer None), for every client.
MUST_COVER = [
    Case("providers", "{ providers { id } }"),
    Case(
        "calls with events",
        "{ calls(first: 100) { edges { node { id status from to events { kind } } } } }",
    ),
    Case("calls, ids only", "{ calls(first: 100) { edges { node { id } } } }"),
    Case("call by id", CALL_WITH_EVENTS, {"id": "<lirax call>"}),
    Case("board", BOARD, {"withEvents": True}),
    Case("board without events", BOARD, {"withEvents": False, "first": 3}),
    Case("a sync page", SYNC, {"since": "<middle change>"}),
    Case("a sync page after a cursor", SYNC, {"since": EPOCH, "after": "<change cursor 10>"}),
    Case("a sync page, newest first", SYNC, {"since": None, "after": "<cursor 10>"}),
    Case("the new filters", NEW_FILTERS, {"direction": "OUTBOUND", "after": "<middle change>"}),
]

_HAND_WRITTEN = [
    # -- the order of changes, and the filters by direction and time
    _Doc(
        "sync pages",
        SYNC,
        [
            {"since": EPOCH},
            {"since": "<middle change>", "first": 3},
            {"since": EPOCH, "after": "<change cursor 10>"},
            {"since": EPOCH, "after": "<last change cursor>"},
            {"since": "<middle change>", "after": "<change cursor 10>"},
            {"since": "1970-01-01T00:00:00"},  # naive: UTC
            {"since": "2100-01-01T00:00:00+03:00"},
            {"since": EPOCH, "after": "<cursor 10>"},  # a cursor of the other order
            {"since": None, "after": "<change cursor 10>"},
            {"since": "not a time"},
            {"since": EPOCH, "after": "garbage"},
        ],
    ),
    _Doc(
        "filters by direction and start",
        NEW_FILTERS,
        [
            {},
            {"direction": "INBOUND"},
            {"direction": "OUTBOUND", "after": "<middle change>"},
            {"after": EPOCH, "before": "<middle change>"},
            {"after": "<middle change>", "before": EPOCH},
            {"direction": "SIDEWAYS"},
            {"before": "2100-01-01"},
        ],
    ),
    _Doc(
        "sync literals, with the other filters",
        """{
          changed: calls(updatedAfter: "1970-01-01T00:00:00Z", provider: "lirax-main",
                         status: COMPLETED, direction: INBOUND, first: 4) {
            totalCount pageInfo { endCursor } edges { cursor node { id updatedAt } }
          }
          started: calls(startedAfter: "1970-01-01", startedBefore: "2100-01-01T00:00:00Z",
                         phone: "+380 99 123 45 67", first: 4) {
            totalCount nodes { id createdAt recording { durationSeconds url } }
          }
          none: calls(updatedAfter: null, first: 2) { edges { cursor } }
        }""",
    ),
    # -- aliases and field merging
    _Doc(
        "the same field twice, other arguments",
        """{
          a: calls(first: 2) { totalCount nodes { id } }
          b: calls(first: 3, provider: "while1-pbx") { totalCount nodes { id status } }
          c: calls(first: 1, status: NO_ANSWER) { nodes { id } }
        }""",
    ),
    _Doc(
        "the same field twice, merged",
        """{
          calls(first: 2) { nodes { id } totalCount }
          calls(first: 2) { nodes { status } pageInfo { hasNextPage } }
        }""",
    ),
    _Doc(
        "aliases named as other fields",
        "{ calls(first: 2) { nodes: edges { cursor } edges: nodes { id } totalCount: pageInfo "
        "{ endCursor } } providers: calls(first: 1) { totalCount } }",
    ),
    _Doc(
        "the selection's order, not the schema's",
        """{ calls(first: 3) {
          pageInfo { endCursor startCursor hasPreviousPage hasNextPage }
          edges { node { to from status id } cursor }
          totalCount
        } }""",
    ),
    _Doc("aliased providers", "{ mine: providers { name: id k: kind } again: providers { id } }"),
    # -- fragments
    _Doc(
        "named fragments, nested",
        """query { calls(first: 4) { ...Page } }
        fragment Page on CallConnection { totalCount edges { ...Edge } }
        fragment Edge on CallEdge { cursor node { ...Row } }
        fragment Row on Call { id ...When provider { ...Who } }
        fragment When on Call { startedAt answeredAt endedAt }
        fragment Who on Provider { id kind }""",
    ),
    _Doc(
        "fragments defined before the operation",
        """fragment Row on Call { id status }
        { calls(first: 2) { nodes { ...Row } } call(id: "<lirax call>") { ...Row } }""",
    ),
    _Doc(
        "inline fragments, with and without a type",
        """{ calls(first: 2) {
          ... { totalCount }
          nodes { ... on Call { id ... { status } } events { ... on CallEvent { kind } } }
          ... on CallConnection { pageInfo { ... on PageInfo { hasNextPage } } }
        } }""",
    ),
    _Doc(
        "fragments merging into one field",
        """{ calls(first: 2) { edges { node { id } } ...E ... { edges { cursor } } } }
        fragment E on CallConnection { edges { node { status } cursor } }""",
    ),
    _Doc(
        "a fragment spread twice",
        """{ calls(first: 2) { nodes { ...Row ...Row } } }
        fragment Row on Call { id from }""",
    ),
    _Doc("an inline fragment on the wrong type", "{ calls { ... on Call { id } } }"),
    _Doc(
        "a named fragment on the wrong type",
        "{ calls { nodes { ...P } } } fragment P on Provider { id }",
    ),
    _Doc("a fragment never defined", "{ calls { ...Missing } }"),
    _Doc("a fragment never used", "{ providers { id } } fragment Unused on Call { id }"),
    # -- variables
    _Doc(
        "variables with defaults",
        """query ($first: Int = 3, $provider: ID = "lirax-main") {
          calls(first: $first, provider: $provider) { totalCount nodes { id } }
        }""",
        [None, {}, {"first": 5}, {"first": None}, {"provider": None}, {"provider": WHILE1}],
    ),
    _Doc(
        "a non-null variable with a default",
        "query ($first: Int! = 2) { calls(first: $first) { nodes { id } } }",
        [None, {"first": 4}, {"first": None}],
    ),
    _Doc(
        "a cursor by variable",
        "query ($after: String) { calls(first: 5, after: $after) { "
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } }",
        [{}, {"after": None}, {"after": "<cursor 10>"}, {"after": "<last cursor>"}],
    ),
    _Doc(
        "an enum by variable",
        "query ($s: CallStatus) { calls(status: $s, first: 50) { totalCount nodes { status } } }",
        [{"s": "COMPLETED"}, {"s": "BUSY"}, {"s": None}, {"s": "BUZY"}, {"s": 3}],
    ),
    _Doc(
        "a variable of the wrong type",
        "query ($first: Int) { calls(first: $first) { totalCount } }",
        [{"first": "three"}, {"first": 2.5}, {"first": 2**40}],
    ),
    _Doc(
        "a required variable missing or null",
        "query ($id: ID!) { call(id: $id) { id } }",
        [None, {}, {"id": None}, {"id": 12}],
    ),
    _Doc("a variable never declared", "{ calls(first: $first) { totalCount } }"),
    _Doc("a variable never used", "query ($x: Int) { providers { id } }", [{"x": 1}]),
    # -- directives
    _Doc(
        "@include and @skip with literals",
        """{ calls(first: 2) {
          totalCount @include(if: false)
          pageInfo @skip(if: true) { hasNextPage }
          nodes @include(if: true) {
            id status @skip(if: false) from @include(if: true) @skip(if: true)
          }
        } }""",
    ),
    _Doc(
        "@include and @skip with variables",
        """query ($yes: Boolean!, $no: Boolean = false) {
          providers { id kind @include(if: $yes) capabilities @skip(if: $no) }
          calls(first: 2) @include(if: $yes) { nodes { id ... @skip(if: $no) { status } } }
        }""",
        [{"yes": True}, {"yes": False}, {"yes": True, "no": True}, {"yes": True, "no": None}],
    ),
    _Doc(
        "directives on fragment spreads",
        """query ($full: Boolean!) { calls(first: 2) { nodes { id ...More @include(if: $full) } } }
        fragment More on Call { status events { kind } }""",
        [{"full": True}, {"full": False}],
    ),
    _Doc("everything skipped", "{ calls(first: 2) { totalCount @skip(if: true) } }"),
    _Doc("a root field skipped", "{ providers @skip(if: true) { id } }"),
    # -- __typename
    _Doc(
        "__typename at every level",
        """{ __typename
          providers { __typename id }
          calls(first: 2) {
            __typename
            pageInfo { __typename }
            edges { __typename node { __typename provider { __typename } events { __typename } } }
            nodes { t: __typename events { call { __typename } provider { __typename } } }
          }
          call(id: "<lirax call>") { __typename }
        }""",
    ),
    _Doc("only __typename", "{ __typename }"),
    _Doc("__typename of a null call", '{ call(id: "<while1 call>") { __typename } }'),
    # -- what a call and its events carry
    _Doc(
        "every field of a call",
        """{ calls(first: 100) { nodes {
          id providerCallId direction status from to agent startedAt answeredAt endedAt
          durationSeconds recordingUrl raw robocall { vendorStatus ivrAnswers }
          events { id kind status occurredAt raw }
        } } }""",
    ),
    _Doc(
        "providers under calls and events",
        """{ calls(first: 5) { nodes {
          provider { id kind capabilities operations }
          events { kind provider { id kind capabilities operations } }
        } } }""",
    ),
    _Doc(
        "an event's call and back",
        """{ calls(first: 3) { nodes { id events { id call { id status events { kind } } } } } }""",
    ),
    _Doc("providers in full", "{ providers { id kind capabilities operations } }"),
    _Doc(
        "paging and counting",
        """{ calls(first: 100) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        } }""",
    ),
    _Doc(
        "filters",
        """{
          byPhone: calls(phone: "+380 99 123 45 67") { totalCount nodes { from } }
          byStatus: calls(status: COMPLETED, first: 3) { totalCount nodes { status } }
          byProvider: calls(provider: "lirax-main", first: 3) { totalCount }
          all: calls(provider: "lirax-main", phone: "380501234567", status: COMPLETED) {
            totalCount nodes { id }
          }
        }""",
    ),
    _Doc(
        "calls by id",
        CALL_WITH_EVENTS,
        [{"id": "<lirax call>"}, {"id": "<missed lirax call>"}, {"id": "<while1 call>"}],
    ),
    # -- errors, and what a client may not see
    _Doc("first: 0", "{ calls(first: 0) { totalCount } }"),
    _Doc("first: 1000", "{ calls(first: 1000) { totalCount } }"),
    _Doc("first: -1 beside a good field", "{ providers { id } calls(first: -1) { totalCount } }"),
    _Doc("a bad cursor", '{ calls(after: "garbage") { totalCount } }'),
    _Doc("a cursor of another type", '{ calls(after: "<event>") { totalCount } }'),
    _Doc(
        "a cursor past the store",
        '{ calls(after: "Y3Vyc29yOjk5OTk5OTk5OTk5OTk5OTk5") { totalCount } }',
    ),
    _Doc("an unknown provider", '{ calls(provider: "no-such") { totalCount } }'),
    _Doc(
        "a provider outside the narrow client's scope",
        '{ calls(provider: "while1-pbx") { totalCount nodes { id } } }',
    ),
    _Doc("a bad phone", '{ calls(phone: "12") { totalCount } }'),
    _Doc("an event's id as a call's", '{ call(id: "<event>") { id } }'),
    _Doc("a garbage id", '{ call(id: "not-an-id") { id } }'),
    _Doc("an empty id", '{ call(id: "") { id } }'),
    _Doc("a call that does not exist", '{ call(id: "Q2FsbDpub3QtYS1jYWxs") { id } }'),
    _Doc(
        "a call of another client's provider, and one of ours",
        '{ theirs: call(id: "<while1 call>") { id } ours: call(id: "<lirax call>") { id } }',
    ),
    _Doc("an unknown field", "{ calls { totalCount colour } }"),
    _Doc("a leaf with a selection", "{ providers { id { name } } }"),
    _Doc("an object without one", "{ calls }"),
    _Doc(
        "too deep",
        "{ calls { nodes { events { call { events { call { events { call "
        "{ events { call { events { call { events { call { id } } } } } } } } } } } } } } }",
    ),
    _Doc("a syntax error", "{ calls(first: 1) { totalCount }"),
    # -- operations
    _Doc(
        "several operations",
        """query A { providers { id } }
        query B($n: Int = 2) { calls(first: $n) { nodes { id } } }
        query C { __typename }""",
        [None, {"n": 3}],
        ["A", "B", "C", None, "D"],
    ),
    _Doc(
        "one named operation", "query Named { providers { id } }", operations=[None, "Named", "X"]
    ),
    _Doc(
        "a subscription beside a query",
        "query Q { providers { id } } subscription S { callEvents { id } }",
        operations=["Q", "S"],
    ),
    _Doc(
        "introspection beside calls",
        "{ __schema { queryType { name } } calls(first: 1) { totalCount } }",
    ),
]

HAND_WRITTEN = [case for doc in _HAND_WRITTEN for case in doc.cases()]
