"""The validation cache must keep working with the depth and alias limits on: a limiter
made per request brings new rule classes, and the cache (keyed on them) never hits."""

from __future__ import annotations

from strawberry.extensions.validation_cache import _get_validate_cache

from callboard.schema import build_schema


async def test_the_same_document_is_validated_once() -> None:
    schema = build_schema()
    cache = _get_validate_cache(512)
    document = "{ __typename cacheProbe: __typename }"
    assert (await schema.execute(document)).errors is None
    before = cache.cache_info()
    for _ in range(3):
        assert (await schema.execute(document)).errors is None
    after = cache.cache_info()
    assert after.hits - before.hits == 3
    assert after.misses == before.misses
