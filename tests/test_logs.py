"""No secret in a log line: webhook URLs carry Zvonobot's key in their query."""

from __future__ import annotations

import logging

import pytest

from callboard.providers.zvonobot.webhooks import derive_secret
from tests.vendors import post_webhook, vendor_rig


async def test_the_access_log_never_shows_a_webhook_urls_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    access = logging.getLogger("uvicorn.access")  # uvicorn's: it does not propagate
    async with vendor_rig("zvonobot") as rig:
        # The rig's uvicorn logs at WARNING; log as `callboard serve` does, at INFO.
        before = access.level
        access.setLevel(logging.INFO)
        access.addHandler(caplog.handler)
        secret = derive_secret("zvonobot-api-key", rig.provider_id)
        response = await post_webhook(
            rig.api, rig.provider_id, params={"key": secret}, json={"id": 1, "calls": []}
        )
        assert response.status_code == 200
        access.removeHandler(caplog.handler)
        access.setLevel(before)
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any(f"/webhooks/{rig.provider_id}?…" in line for line in lines), lines
    assert not any(secret in line for line in lines)
