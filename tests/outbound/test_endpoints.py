"""Webhook endpoints as clients manage them: validated like subscriptions, each client's
own, the secret shown only when made."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

# Two clients, each with its own provider: the scopes the client tests use.
from tests.api.test_clients import CONFIG, KEY_A, KEY_B, OTHER
from tests.harness import Api
from tests.outbound.documents import CALL_EVENTS, CREATE, DELETE, ENDPOINTS, ROTATE, UPDATE
from tests.outbound.rig import outbound_rig
from tests.vendors import PROVIDER_ID, Rig, vendor_rig


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with vendor_rig("lirax", config=CONFIG, key=KEY_A) as rig:
        yield rig


async def create(api: Api, key: str = KEY_A, **given: Any) -> dict[str, Any]:
    fields = {"url": "https://crm.example/hooks", "subscription": CALL_EVENTS, **given}
    data = await api.query(CREATE, {"input": fields}, key=key)
    return data["createWebhookEndpoint"]  # type: ignore[no-any-return]


async def test_an_endpoint_is_made_with_a_secret_shown_once(rig: Rig) -> None:
    made = await create(rig.api, variables={"p": PROVIDER_ID}, description="CRM call sync")
    assert made["userErrors"] == []
    endpoint = made["endpoint"]
    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["enabled"] is True
    assert endpoint["variables"] == {"p": PROVIDER_ID}
    listed = (await rig.api.query(ENDPOINTS))["webhookEndpoints"]
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert listed[0]["secret"] is None
    assert listed[0]["description"] == "CRM call sync"


async def test_a_client_sees_and_manages_only_its_own(rig: Rig) -> None:
    mine = (await create(rig.api))["endpoint"]
    assert (await rig.api.query(ENDPOINTS, key=KEY_B))["webhookEndpoints"] == []
    for document, variables, name in (
        (UPDATE, {"input": {"id": mine["id"], "enabled": False}}, "updateWebhookEndpoint"),
        (DELETE, {"id": mine["id"]}, "deleteWebhookEndpoint"),
        (ROTATE, {"id": mine["id"]}, "rotateWebhookSecret"),
    ):
        refused = (await rig.api.query(document, variables, key=KEY_B))[name]
        assert [e["code"] for e in refused["userErrors"]] == ["NOT_FOUND"]
    assert (await rig.api.query(ENDPOINTS))["webhookEndpoints"][0]["enabled"] is True


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"subscription": "{ providers { id } }"}, "queries are not allowed"),
        ({"subscription": "subscription { nothing }"}, "Cannot query field"),
        ({"subscription": CALL_EVENTS, "variables": {"p": OTHER}}, "No provider"),
        (
            {"subscription": 'subscription { callEvents(after: "Q2FsbEV2ZW50OjE=") { id } }'},
            "leave out `after`",
        ),
        ({"url": "ftp://crm.example/x"}, "not an http(s) URL"),
        ({"url": "http://127.0.0.1:8080/x"}, "loopback"),
        ({"url": "http://10.1.2.3/x"}, "private"),
        ({"url": "http://169.254.169.254/latest"}, "metadata"),
        ({"url": "http://localhost/x"}, "this machine"),
    ],
)
async def test_what_cannot_work_is_refused(rig: Rig, given: dict[str, Any], words: str) -> None:
    refused = await create(rig.api, **given)
    assert refused["endpoint"] is None
    [error] = refused["userErrors"]
    assert error["code"] == "BAD_INPUT"
    assert words in error["message"]
    assert (await rig.api.query(ENDPOINTS))["webhookEndpoints"] == []


async def test_update_disables_changes_and_validates_again(rig: Rig) -> None:
    endpoint = (await create(rig.api))["endpoint"]
    update = {"id": endpoint["id"], "enabled": False, "url": "https://crm.example/v2"}
    changed = (await rig.api.query(UPDATE, {"input": update}))["updateWebhookEndpoint"]
    assert changed["endpoint"]["enabled"] is False
    assert "updateWebhookEndpoint" in changed["endpoint"]["disabledReason"]
    assert changed["endpoint"]["url"] == "https://crm.example/v2"
    assert changed["endpoint"]["secret"] is None
    bad = {"id": endpoint["id"], "subscription": "query { providers { id } }"}
    refused = (await rig.api.query(UPDATE, {"input": bad}))["updateWebhookEndpoint"]
    assert [e["field"] for e in refused["userErrors"]] == ["subscription"]
    again = {"id": endpoint["id"], "enabled": True}
    enabled = (await rig.api.query(UPDATE, {"input": again}))["updateWebhookEndpoint"]
    assert enabled["endpoint"]["enabled"] is True
    assert enabled["endpoint"]["disabledReason"] is None
    assert enabled["endpoint"]["subscription"] == CALL_EVENTS


async def test_rotate_shows_the_new_secret_and_delete_removes(rig: Rig) -> None:
    endpoint = (await create(rig.api))["endpoint"]
    rotated = (await rig.api.query(ROTATE, {"id": endpoint["id"]}))["rotateWebhookSecret"]
    assert rotated["endpoint"]["secret"].startswith("whsec_")
    assert rotated["endpoint"]["secret"] != endpoint["secret"]
    kept = await rig.api.runtime.store.webhook_endpoints.get(_key(endpoint["id"]))
    assert kept is not None
    assert kept.previous_secret == endpoint["secret"]
    deleted = (await rig.api.query(DELETE, {"id": endpoint["id"]}))["deleteWebhookEndpoint"]
    assert deleted == {"deletedId": endpoint["id"], "userErrors": []}
    assert (await rig.api.query(ENDPOINTS))["webhookEndpoints"] == []


def _key(global_id: str) -> str:
    return base64.b64decode(global_id).decode().partition(":")[2]


async def test_at_start_an_endpoint_whose_client_is_gone_is_disabled(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path}/callboard.db"
    async with outbound_rig(storage=storage) as first:  # open access: the client `local`
        made = await first.endpoint("crm", CALL_EVENTS)
    clients = [{"name": "someone-else", "key": "key-of-someone-else-0123"}]
    async with outbound_rig(storage=storage, clients=clients) as second:
        kept = await second.api.runtime.store.webhook_endpoints.get(_key(made["id"]))
    assert kept is not None
    assert kept.disabled_reason == "Its client 'local' is no longer configured."
