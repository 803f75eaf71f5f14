"""Callboard's secrets masked in vendors' payloads: known values anywhere, credential
fields, credential parameters of URLs; nothing else changed."""

from __future__ import annotations

from callboard.domain.redaction import MASK, Redactor, is_credential_name

SECRET = "9b1f0c3e5d7a2b4c"


def test_a_known_secret_is_masked_wherever_it_appears() -> None:
    redact = Redactor([SECRET, "p@ss w/rd"])
    payload = {
        "webhookUrl": f"https://cb.example/webhooks/z?key={SECRET}&page=2",
        "notes": [f"said {SECRET} twice: {SECRET}", ("p@ss w/rd", 1)],
        "encoded": "https://x.example/?q=p%40ss%20w%2Frd",
        "form": "p%40ss+w%2Frd",
    }
    assert redact(payload) == {
        "webhookUrl": "https://cb.example/webhooks/z?key=***&page=2",
        "notes": ["said *** twice: ***", ("***", 1)],
        "encoded": "https://x.example/?q=***",
        "form": "***",
    }


def test_credential_fields_are_masked_whatever_their_value() -> None:
    redact = Redactor()
    payload = {
        "apiKey": "abc",
        "from_LiraX_token": "t",
        "connectionOptions": {"password": 1234, "login": "trunk-1"},
        "Authorization": "Bearer x",
        "hasToken": True,
        "webhook_token": "",
        "keys": "[1, 2]",
    }
    assert redact(payload) == {
        "apiKey": MASK,
        "from_LiraX_token": MASK,
        "connectionOptions": {"password": MASK, "login": "trunk-1"},
        "Authorization": MASK,
        "hasToken": True,  # a flag, not a credential
        "webhook_token": "",  # nothing to hide
        "keys": "[1, 2]",  # LiraX's IVR presses
    }


def test_credential_parameters_of_a_url_are_masked() -> None:
    redact = Redactor()
    assert redact.text("https://v.example/r.mp3?id=7&access_token=abc#t") == (
        "https://v.example/r.mp3?id=7&access_token=***#t"
    )
    assert redact.text("https://v.example/?Key=1&api_key=2&keyword=3") == (
        "https://v.example/?Key=***&api_key=***&keyword=3"
    )
    assert redact.text("Is it? The token=5 said so") == "Is it? The token=5 said so"


def test_what_holds_no_secret_comes_back_as_the_same_object() -> None:
    redact = Redactor([SECRET])
    payload = {"id": 1, "calls": [{"phone": "79123456789", "status": "finished"}]}
    assert redact(payload) is payload
    masked = redact({"apiKey": "x"})
    assert redact(masked) is masked, "masking twice changes nothing"


def test_too_short_a_secret_is_not_masked_in_ordinary_text() -> None:
    assert Redactor(["abc"])({"text": "abcdef"}) == {"text": "abcdef"}


def test_the_fingerprint_follows_the_secrets_and_shows_none() -> None:
    assert Redactor([SECRET]).fingerprint == Redactor([SECRET, SECRET]).fingerprint
    assert Redactor([SECRET]).fingerprint != Redactor([SECRET, "another"]).fingerprint
    assert SECRET not in repr(Redactor([SECRET]))


def test_credential_names() -> None:
    assert all(map(is_credential_name, ["token", "apiKey", "API-HASH", "api_password"]))
    assert not any(map(is_credential_name, ["keys", "tokens", "keyWords", "passwordSet"]))
