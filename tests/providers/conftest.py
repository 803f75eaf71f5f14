"""Fixtures the provider tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.providers.mock_vendor import MockHttp


@pytest.fixture
async def mock_http() -> AsyncIterator[MockHttp]:
    mock = MockHttp()
    yield mock
    await mock.aclose()
