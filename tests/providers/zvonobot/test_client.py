"""ZvonobotClient on the wire, against an httpx.MockTransport: JSON POSTs with `apiKey` in
the body, replies `{"status": "success" | "error", "data": ...}`, and every way the vendor
(or the network) can say no turned into the error a client of Callboard can act on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from callboard.domain.errors import (
    CallboardError,
    ProviderMisconfigured,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
)
from callboard.domain.provider_requests import AudioFile
from callboard.providers.zvonobot.client import ZvonobotClient
from tests.providers.mock_vendor import Handler, MockHttp, Vendor

ROOT = "https://lk.zvonobot.ru"
API_KEY = "nWvGmHlvkj1tM323tsEgfdRYkagGi7Qx"

MakeClient = Callable[..., tuple[ZvonobotClient, Vendor]]


@pytest.fixture
def make_client(mock_http: MockHttp) -> MakeClient:
    def make(handler: Handler, *, root: str = ROOT) -> tuple[ZvonobotClient, Vendor]:
        http, vendor = mock_http.client(handler)
        return ZvonobotClient(http, root=root, api_key=API_KEY, who="Zvonobot (zb)"), vendor

    return make


def answer(body: Any, status: int = 200) -> Handler:
    return lambda request: httpx.Response(status, json=body)


def success(data: Any) -> Handler:
    return answer({"status": "success", "data": data})


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content)


def assert_no_key(error: BaseException) -> None:
    assert API_KEY not in str(error)
    if isinstance(error, CallboardError):
        assert API_KEY not in error.message
    assert API_KEY not in repr(error)


# --- requests ---------------------------------------------------------------------------


async def test_post_sends_json_with_the_api_key_in_the_body(make_client: MakeClient) -> None:
    client, vendor = make_client(success({"id": 1001, "phone": "79123456789"}))
    body = {"phones": ["79123456789"], "outgoingPhone": "74950000001", "record": {"id": 1}}
    data = await client.post("apiCalls/create", body)
    assert data == {"id": 1001, "phone": "79123456789"}
    (request,) = vendor.requests
    assert request.method == "POST"
    assert str(request.url) == f"{ROOT}/apiCalls/create"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == "application/json"
    assert sent_json(request) == {"apiKey": API_KEY, **body}
    assert API_KEY not in str(request.url)


async def test_a_root_with_a_trailing_slash(make_client: MakeClient) -> None:
    client, vendor = make_client(success({"id": 1, "balance": 5}), root=f"{ROOT}/")
    await client.post("apiCalls/userInfo", {})
    assert str(vendor.requests[0].url) == f"{ROOT}/apiCalls/userInfo"


async def test_a_white_labelled_root(make_client: MakeClient) -> None:
    client, vendor = make_client(success("done"), root="https://calls.example.com/api")
    await client.post("apiVerificationPhones/confirmPhone", {"phone": "79123456789"})
    assert str(vendor.requests[0].url) == (
        "https://calls.example.com/api/apiVerificationPhones/confirmPhone"
    )


@pytest.mark.parametrize(
    "data",
    [
        {"callIdList": [123, 321]},
        [{"id": 1, "phone": "74950000001", "isSystem": False, "overall": 0}],
        "done",
        [],
        None,
    ],
)
async def test_the_success_envelope_gives_its_data(make_client: MakeClient, data: Any) -> None:
    client, _ = make_client(success(data))
    assert await client.post("apiCalls/remove", {"idList": [123, 321]}) == data


# --- refusals ---------------------------------------------------------------------------

VALIDATION = {
    "status": "error",
    "data": {
        "message": "Номер телефона должен содержать 11 цифр",
        "errors": {"phone": ["Номер телефона должен содержать 11 цифр"]},
    },
}


@pytest.mark.parametrize("status", [422, 400, 200])
async def test_a_refusal_carries_zvonobots_message_and_field(
    make_client: MakeClient, status: int
) -> None:
    client, _ = make_client(answer(VALIDATION, status))
    with pytest.raises(ProviderRejected) as caught:
        await client.post("apiCalls/create", {"phone": "7912"})
    error = caught.value
    assert type(error) is ProviderRejected, "the client's to fix, not the operator's"
    assert "Номер телефона должен содержать 11 цифр" in error.message
    assert "Zvonobot" in error.message
    assert error.field == "phone"
    assert error.code == "PROVIDER_REJECTED"
    assert_no_key(error)


async def test_a_refusal_with_only_the_errors_bag(make_client: MakeClient) -> None:
    body = {"status": "error", "data": {"errors": {"outgoingPhone": ["Номер не подтверждён"]}}}
    client, _ = make_client(answer(body, 422))
    with pytest.raises(ProviderRejected) as caught:
        await client.post("apiCalls/create", {})
    assert "Номер не подтверждён" in caught.value.message
    assert caught.value.field == "outgoingPhone"


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"status": "error", "data": "Недостаточно средств на балансе"}, "Недостаточно средств"),
        ({"status": "error", "data": {"message": "Звонок уже начат"}}, "Звонок уже начат"),
        ({"status": "error", "data": {"error": "Шаблон не найден"}}, "Шаблон не найден"),
        ({"status": "error", "data": {"idList": ["Звонок не найден"]}}, "Звонок не найден"),
        ({"message": "Too many requests"}, "Too many requests"),
    ],
)
async def test_other_refusal_shapes_keep_zvonobots_words(
    make_client: MakeClient, body: Any, text: str
) -> None:
    client, _ = make_client(answer(body, 200))
    with pytest.raises(ProviderRejected) as caught:
        await client.post("apiCalls/remove", {"idList": [1]})
    assert type(caught.value) is ProviderRejected
    assert text in caught.value.message


async def test_a_refusal_without_words_names_the_request(make_client: MakeClient) -> None:
    client, _ = make_client(answer({"status": "error", "data": None}, 200))
    with pytest.raises(ProviderRejected) as caught:
        await client.post("apiCalls/update", {"callList": []})
    assert "apiCalls/update" in caught.value.message


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize(
    "body",
    [
        {"status": "error", "data": {"message": "Unauthenticated."}},
        {"status": "success", "data": []},
        None,
    ],
)
async def test_a_refused_key_is_the_operators_to_fix(
    make_client: MakeClient, status: int, body: Any
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, text="<html>Forbidden</html>")
        return httpx.Response(status, json=body)

    client, _ = make_client(handler)
    with pytest.raises(ProviderMisconfigured) as caught:
        await client.post("apiCalls/userInfo", {})
    assert caught.value.code == "PROVIDER_MISCONFIGURED"
    assert "api_key" in caught.value.message
    assert_no_key(caught.value)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (200, "Invalid apiKey"),
        (200, "Неверный API-ключ"),
        (422, "The selected api key is invalid."),
        (400, "API key not found"),
        (200, "Неверный api ключ"),
    ],
)
async def test_a_message_about_the_api_key_is_the_operators_to_fix(
    make_client: MakeClient, status: int, message: str
) -> None:
    client, _ = make_client(answer({"status": "error", "data": {"message": message}}, status))
    with pytest.raises(ProviderMisconfigured) as caught:
        await client.post("apiCalls/create", {})
    assert_no_key(caught.value)


async def test_a_validation_error_on_the_api_key_field_is_the_operators(
    make_client: MakeClient,
) -> None:
    body = {"status": "error", "data": {"errors": {"apiKey": ["The api key field is required."]}}}
    client, _ = make_client(answer(body, 422))
    with pytest.raises(ProviderMisconfigured):
        await client.post("apiCalls/create", {})


@pytest.mark.parametrize(
    "message",
    [
        "Аудиоролик не прошёл модерацию",
        "Звонки с генерацией голоса доступны после снятия модерации",
        "Record is on moderation",
    ],
)
async def test_a_message_about_moderation_is_coded_moderation(
    make_client: MakeClient, message: str
) -> None:
    client, _ = make_client(answer({"status": "error", "data": {"message": message}}, 200))
    with pytest.raises(ProviderRejected) as caught:
        await client.post("apiCalls/create", {})
    assert type(caught.value) is ProviderRejected
    assert caught.value.vendor_code == "MODERATION"
    assert message in caught.value.message


# --- the vendor or the network failing --------------------------------------------------


@pytest.mark.parametrize("text", ["<html>Service temporarily unavailable</html>", "", "ok"])
async def test_a_200_that_is_not_json_is_the_vendor_failing(
    make_client: MakeClient, text: str
) -> None:
    client, _ = make_client(lambda request: httpx.Response(200, text=text))
    with pytest.raises(ProviderUnavailable) as caught:
        await client.post("apiCalls/userInfo", {})
    assert_no_key(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_server_error_is_the_vendor_failing(make_client: MakeClient, status: int) -> None:
    client, _ = make_client(
        answer({"status": "error", "data": {"message": "Server Error"}}, status)
    )
    with pytest.raises(ProviderUnavailable) as caught:
        await client.post("apiCalls/get", {"apiCallIdList": [1]})
    assert str(status) in caught.value.message
    assert_no_key(caught.value)


async def test_a_timeout_may_have_created_the_call(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client, _ = make_client(handler)
    with pytest.raises(ProviderTimeout) as caught:
        await client.post("apiCalls/create", {"phones": ["79123456789"]})
    assert caught.value.code == "PROVIDER_TIMEOUT"
    assert "may or may not" in caught.value.message
    assert_no_key(caught.value)


async def test_an_unreachable_vendor(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)

    client, _ = make_client(handler)
    with pytest.raises(ProviderUnavailable) as caught:
        await client.get("apiCalls/getAvailableLanguages")
    assert_no_key(caught.value)


def echoing(status: int, template: str) -> Handler:
    """A vendor that quotes the request (the key with it) in its error."""

    def handler(request: httpx.Request) -> httpx.Response:
        key = sent_json(request)["apiKey"] if request.content else API_KEY
        return httpx.Response(
            status, json={"status": "error", "data": {"message": template.format(key=key)}}
        )

    return handler


@pytest.mark.parametrize(
    ("status", "template"),
    [
        (200, "Ключ {key} заблокирован"),
        (422, "Пользователь с ключом {key} не найден"),
        (401, "Invalid apiKey {key}"),
        (200, "Invalid apiKey {key}"),
        (500, "Unhandled exception for {key}"),
    ],
    ids=["key-blocked", "user-not-found", "401", "invalid-apikey", "500"],
)
async def test_the_api_key_never_reaches_an_error_message(
    make_client: MakeClient, status: int, template: str
) -> None:
    client, _ = make_client(echoing(status, template))
    with pytest.raises(CallboardError) as caught:
        await client.post("apiCalls/create", {"phones": ["79123456789"]})
    assert_no_key(caught.value)


def test_the_clients_repr_hides_the_key(make_client: MakeClient) -> None:
    client, _ = make_client(success(None))
    assert API_KEY not in repr(client)
    assert "zb" in repr(client)


# --- get --------------------------------------------------------------------------------

LANGUAGES = [{"id": 1, "name": "Русский", "defaultLangCode": "ru-RU"}]


async def test_get_sends_get_with_the_key_in_the_query(make_client: MakeClient) -> None:
    client, vendor = make_client(success(LANGUAGES))
    assert await client.get("apiCalls/getAvailableLanguages") == LANGUAGES
    (request,) = vendor.requests
    assert request.method == "GET"
    assert request.url.path == "/apiCalls/getAvailableLanguages"
    assert request.url.params["apiKey"] == API_KEY
    assert request.content == b""
    assert request.headers["accept"] == "application/json"


async def test_get_falls_back_to_post_when_get_is_not_allowed(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(405, json={"message": "The GET method is not supported."})
        return httpx.Response(200, json={"status": "success", "data": LANGUAGES})

    client, vendor = make_client(handler)
    assert await client.get("apiCalls/getAvailableLanguages") == LANGUAGES
    get, post = vendor.requests
    assert (get.method, post.method) == ("GET", "POST")
    assert str(post.url) == f"{ROOT}/apiCalls/getAvailableLanguages"
    assert sent_json(post) == {"apiKey": API_KEY}


async def test_get_reads_refusals_like_post(make_client: MakeClient) -> None:
    client, _ = make_client(answer({"status": "error", "data": {"message": "Invalid apiKey"}}, 200))
    with pytest.raises(ProviderMisconfigured) as caught:
        await client.get("apiCalls/getAvailableLanguages")
    assert_no_key(caught.value)


async def test_get_on_a_server_error_does_not_leak_the_key_in_its_url(
    make_client: MakeClient,
) -> None:
    client, _ = make_client(lambda request: httpx.Response(502, text="Bad Gateway"))
    with pytest.raises(ProviderUnavailable) as caught:
        await client.get("apiCalls/getAvailableLanguages")
    assert_no_key(caught.value)


# --- upload -----------------------------------------------------------------------------


async def test_upload_sends_a_multipart_form_with_the_key_and_the_file(
    make_client: MakeClient,
) -> None:
    reply = {"id": 501, "name": "Приветствие", "status": "moderation", "needModeration": True}
    client, vendor = make_client(success(reply))
    sound = b"ID3\x03\x00fake-mp3-bytes\r\n--not-a-boundary"
    file = AudioFile(filename="hello.mp3", content_type="audio/mpeg", content=sound)
    data = await client.upload(
        "apiCalls/createRecord", {"name": "Приветствие", "source": "file"}, file
    )
    assert data == reply
    (request,) = vendor.requests
    assert request.method == "POST"
    assert str(request.url) == f"{ROOT}/apiCalls/createRecord"
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert API_KEY not in str(request.url)
    fields = multipart_fields(request)
    assert fields["apiKey"] == (None, None, API_KEY.encode())
    assert fields["name"] == (None, None, "Приветствие".encode())
    assert fields["source"] == (None, None, b"file")
    assert fields["file"] == ("hello.mp3", "audio/mpeg", sound)


async def test_upload_reads_refusals_like_post(make_client: MakeClient) -> None:
    body = {"status": "error", "data": {"errors": {"file": ["Неподдерживаемый формат файла"]}}}
    client, _ = make_client(answer(body, 422))
    file = AudioFile(filename="x.exe", content_type="application/octet-stream", content=b"MZ")
    with pytest.raises(ProviderRejected) as caught:
        await client.upload("apiCalls/createRecord", {"name": "x", "source": "file"}, file)
    assert caught.value.field == "file"
    assert "Неподдерживаемый формат файла" in caught.value.message


def multipart_fields(request: httpx.Request) -> dict[str, tuple[str | None, str | None, bytes]]:
    """name -> (filename, content type, bytes) of each part of a multipart body."""
    boundary = request.headers["content-type"].split("boundary=", 1)[1].encode()
    fields: dict[str, tuple[str | None, str | None, bytes]] = {}
    for part in request.content.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part[2:].partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode().split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = dict(
            item.strip().split("=", 1) for item in headers["content-disposition"].split(";")[1:]
        )
        name = disposition["name"].strip('"')
        filename = disposition.get("filename")
        fields[name] = (
            filename.strip('"') if filename else None,
            headers.get("content-type"),
            content.removesuffix(b"\r\n"),
        )
    return fields
