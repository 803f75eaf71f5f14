"""The document cache must keep working with the depth and alias limits on: a limiter
made per request brings new rule classes, and the cache (keyed on them) never hits."""

from __future__ import annotations

from callboard.schema import build_schema


async def test_the_same_document_is_parsed_and_validated_once() -> None:
    schema = build_schema()
    document = "{ __typename cacheProbe: __typename }"
    for _ in range(4):
        assert (await schema.execute(document)).errors is None
    cache = schema.documents
    assert (cache.misses, cache.hits, cache.validations) == (1, 3, 1)
