"""The contact directory under client scopes: a contact saved through a provider is that
provider's, one saved without is its client's; no client reads or overwrites another's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.harness import Api, GraphQLFailed, running_callboard

KEY_A = "key-of-client-a-0123456789"
KEY_A2 = "key-of-client-a2-012345678"  # the same scope as a, another client
KEY_B = "key-of-client-b-0123456789"
KEY_ALL = "key-of-client-all-01234567"
PHONE = "+79123456789"

UPSERT = """mutation($i: ContactInput!) { upsertContact(input: $i) {
  contact { phone name responsible provider } userErrors { field code message } } }"""
CONTACT = "query($p: String!) { contact(phone: $p) { name responsible provider } }"
CONTACT_OF = """query($p: String!, $provider: ID) {
  contact(phone: $p, provider: $provider) { name responsible provider } }"""


def lirax(provider_id: str) -> dict[str, str]:
    return {
        "id": provider_id,
        "kind": "lirax",
        "base_url": "https://lira.invalid/general",
        "token": f"{provider_id}-command-token",
        "webhook_token": f"{provider_id}-hook-token",
    }


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    config = {
        "providers": [lirax("lirax-a"), lirax("lirax-b")],
        "clients": [
            {"name": "a", "key": KEY_A, "providers": ["lirax-a"]},
            {"name": "a2", "key": KEY_A2, "providers": ["lirax-a"]},
            {"name": "b", "key": KEY_B, "providers": ["lirax-b"]},
            {"name": "all", "key": KEY_ALL, "providers": ["*"]},
        ],
    }
    accepts = httpx.MockTransport(lambda _: httpx.Response(200))  # every checkContact
    transports = {"lirax-a": accepts, "lirax-b": accepts}
    async with running_callboard(config, transports=transports) as api:
        yield api


async def save(api: Api, key: str, name: str, provider: str | None = None, **more: Any) -> Any:
    given = {"phone": PHONE, "name": name, "responsible": "101", **more}
    if provider is not None:
        given["provider"] = provider
    return (await api.query(UPSERT, {"i": given}, key=key))["upsertContact"]


async def read(api: Api, key: str, provider: str | None = None) -> Any:
    if provider is None:
        return (await api.query(CONTACT, {"p": PHONE}, key=key))["contact"]
    return (await api.query(CONTACT_OF, {"p": PHONE, "provider": provider}, key=key))["contact"]


async def test_a_providers_contact_is_invisible_to_a_client_that_cannot_use_it(api: Api) -> None:
    assert (await save(api, KEY_A, "Ivan", "lirax-a"))["userErrors"] == []
    assert await read(api, KEY_B) is None
    assert await read(api, KEY_A) == {"name": "Ivan", "responsible": "101", "provider": "lirax-a"}
    # the same client scope sees it too: it belongs to the provider, not to a
    assert (await read(api, KEY_A2))["name"] == "Ivan"
    assert (await read(api, KEY_ALL, "lirax-a"))["name"] == "Ivan"


async def test_asking_for_a_provider_out_of_scope_is_as_for_an_unknown_one(api: Api) -> None:
    await save(api, KEY_A, "Ivan", "lirax-a")
    with pytest.raises(GraphQLFailed) as theirs:
        await read(api, KEY_B, "lirax-a")
    with pytest.raises(GraphQLFailed) as unknown:
        await read(api, KEY_B, "no-such")
    assert theirs.value.codes == unknown.value.codes == ["NOT_FOUND"]
    messages = [e.value.errors[0]["message"] for e in (theirs, unknown)]
    assert messages[0].replace("lirax-a", "X") == messages[1].replace("no-such", "X")


async def test_a_client_cannot_overwrite_a_providers_contact_it_cannot_use(api: Api) -> None:
    await save(api, KEY_A, "Ivan", "lirax-a")
    refused = await save(api, KEY_B, "Mallory", "lirax-a", responsible="666")
    assert refused["contact"] is None
    assert refused["userErrors"][0]["code"] == "NOT_FOUND"
    # nor by saving the same phone without a provider, nor through its own provider
    await save(api, KEY_B, "Mallory", responsible="666")
    await save(api, KEY_B, "Mallory", "lirax-b", responsible="666")
    assert await read(api, KEY_A) == {"name": "Ivan", "responsible": "101", "provider": "lirax-a"}
    assert (await read(api, KEY_B, "lirax-b"))["name"] == "Mallory"


async def test_a_contact_saved_without_a_provider_is_its_clients_alone(api: Api) -> None:
    saved = await save(api, KEY_A, "Ivan (a's)")
    assert saved["contact"]["provider"] is None
    for other in (KEY_A2, KEY_B, KEY_ALL):
        assert await read(api, other) is None
    await save(api, KEY_A2, "Ivan (a2's)")
    assert (await read(api, KEY_A))["name"] == "Ivan (a's)"
    assert (await read(api, KEY_A2))["name"] == "Ivan (a2's)"


async def test_without_provider_a_client_gets_its_own_else_the_newest_it_may_see(
    api: Api,
) -> None:
    await save(api, KEY_A, "Ivan (lirax-a)", "lirax-a")
    await save(api, KEY_B, "Ivan (lirax-b)", "lirax-b")
    # "all" may see both providers' contacts: the newest one
    assert (await read(api, KEY_ALL))["name"] == "Ivan (lirax-b)"
    await save(api, KEY_A, "Ivan again (lirax-a)", "lirax-a")
    assert (await read(api, KEY_ALL))["name"] == "Ivan again (lirax-a)"
    assert (await read(api, KEY_ALL, "lirax-b"))["name"] == "Ivan (lirax-b)"
    # a's own contact comes first, however old; the provider's is still there by name
    await save(api, KEY_A, "Ivan (a's own)")
    await save(api, KEY_A, "Ivan newest (lirax-a)", "lirax-a")
    assert (await read(api, KEY_A))["name"] == "Ivan (a's own)"
    assert (await read(api, KEY_A, "lirax-a"))["name"] == "Ivan newest (lirax-a)"
