"""How much the parser and validation caches save: executions/s of two documents,
in-process (no HTTP), without them, with them, and with Callboard's whole extension set
(caches + depth, alias and token limits). Prints the figures."""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Callable
from typing import Any

from strawberry import Schema
from strawberry.extensions import ParserCache, ValidationCache

from callboard.schema import build_schema
from callboard.schema.mutation import Mutation  # the merged root
from callboard.schema.query import Query
from callboard.schema.subscription import Subscription

QUERY = "{ __typename }"
DOCUMENT = """
query Shape {
  __type(name: "Call") {
    name
    fields { name description type { name kind ofType { name kind ofType { name } } } }
  }
}"""


def bare() -> Schema:
    return Schema(query=Query, mutation=Mutation, subscription=Subscription)


def cached() -> Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[lambda: ParserCache(maxsize=512), lambda: ValidationCache(maxsize=512)],
    )


async def rate(schema: Schema, document: str, seconds: float) -> float:
    for _ in range(200):  # warm-up (fills the caches)
        await schema.execute(document)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            await schema.execute(document)
        done += 100
    return done / (time.perf_counter() - start)


async def main(seconds: float = 2.0) -> None:
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {seconds:.0f} s per figure")
    schemas: dict[str, Callable[[], Any]] = {
        "no caches": bare,
        "parser + validation caches": cached,
        "Callboard's schema (caches + limits)": build_schema,
    }
    for label, document in (
        ("trivial query", QUERY),
        ("a 9-line introspection document", DOCUMENT),
    ):
        print(f"{label}:")
        base = None
        for name, make in schemas.items():
            per_second = await rate(make(), document, seconds)
            base = base or per_second
            print(f"  {name:<38} {per_second:>9,.0f} executions/s  ({per_second / base:.1f}x)")


if __name__ == "__main__":
    asyncio.run(main())
