"""Configuration mistakes stop start-up with one message naming the file, key and fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from callboard.settings import ConfigError, load_settings

GOOD = """
[server]
host = "127.0.0.1"
port = 8000

[[clients]]
name = "crm-frontend"
key = "${CALLBOARD_KEY_CRM}"
providers = ["*"]

[[providers]]
id = "lirax-main"
kind = "lirax"
base_url = "https://lira.example:8482/general"
token = "${LIRAX_TOKEN}"
webhook_token = "${LIRAX_WEBHOOK_TOKEN}"
"""

ENV = {
    "CALLBOARD_KEY_CRM": "k" * 32,
    "LIRAX_TOKEN": "lirax-secret-token",
    "LIRAX_WEBHOOK_TOKEN": "lirax-hook-token",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "callboard.toml"
    path.write_text(text)
    return path


def test_the_api_md_example_loads_with_secrets_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD), environ=ENV)
    (provider,) = settings.providers
    assert provider.options.token == "lirax-secret-token"  # type: ignore[attr-defined]
    assert "lirax-secret-token" not in repr(settings)
    assert "k" * 32 not in repr(settings)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('kind = "lirax"', 'kind = "lirux"'), ["kind", "unknown kind 'lirux'", "lirax"]),
        (('token = "${LIRAX_TOKEN}"\n', ""), ["token", "missing", "add `token = ...`"]),
        (
            ('base_url = "https://lira.example:8482/general"', 'base_url = "lira.example"'),
            ["base_url", "not an http(s) URL"],
        ),
        (("${LIRAX_TOKEN}", "${NOT_SET_ANYWHERE}"), ["NOT_SET_ANYWHERE is not set", "export"]),
        (
            ("[[clients]]", '[storage]\nurl = "mysql://x"\n\n[[clients]]'),
            ["[storage] url"],
        ),
        (
            ("[[clients]]", "[storage]\npool_size = 0\n\n[[clients]]"),
            ["[storage] pool_size", "positive whole number"],
        ),
        (("port = 8000", 'port = "eight"'), ["[server] port", "must be an integer"]),
        (
            ("port = 8000", "port = 8000\nwebsocket_compression = 1"),
            ["[server] websocket_compression", "true or false"],
        ),
        (
            ("port = 8000", 'port = 8000\nwebsocket_init_timeout = "10"'),
            ["[server] websocket_init_timeout", "positive number"],
        ),
        (("[[clients]]", "[[client]]"), ["client", "unknown section"]),
        (
            ('name = "crm-frontend"', 'name = "crm-frontend"\nflavour = 1'),
            ["flavour", "unknown key"],
        ),
        (("[[clients]]", '[inbox]\nprocess = "yes"\n\n[[clients]]'), ["[inbox] process"]),
        (
            ("[[clients]]", "[events]\nretention_days = 0\n\n[[clients]]"),
            ["[events] retention_days", "positive number"],
        ),
        (
            ("[[clients]]", "[events]\nsubscriber_buffer = 2.5\n\n[[clients]]"),
            ["[events] subscriber_buffer", "whole number"],
        ),
        (("[[clients]]", "[inbox]\nkeep = 1\n\n[[clients]]"), ["[inbox] keep", "unknown key"]),
        (
            ("[[clients]]", '[events]\nurl = "kafka://ops:hunter2@q"\n\n[[clients]]'),
            ["[events] url", "redis://", "ops:***@q"],
        ),
        (
            ("[[clients]]", '[graphql]\nmax_body_bytes = "1 MB"\n\n[[clients]]'),
            ["[graphql] max_body_bytes", "positive whole number"],
        ),
        (
            ("[[clients]]", "[graphql]\nmax_document_bytes = true\n\n[[clients]]"),
            ["[graphql] max_document_bytes", "positive whole number"],
        ),
        (
            ("[[clients]]", "[graphql]\nmax_upload_bytes = 0\n\n[[clients]]"),
            ["[graphql] max_upload_bytes", "positive whole number"],
        ),
        (
            ("[[clients]]", '[graphql]\nintrospection = "off"\n\n[[clients]]'),
            ["[graphql] introspection", "true or false"],
        ),
    ],
)
def test_each_mistake_names_file_key_and_fix(
    tmp_path: Path, change: tuple[str, str], expected: list[str]
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ=ENV)
    message = str(error.value)
    assert message.startswith(str(path))
    for part in expected:
        assert part in message
    assert "lirax-secret-token" not in message


def test_an_empty_vendor_secret_is_refused(tmp_path: Path) -> None:
    # an empty webhook token would accept any delivery that also sends an empty one
    with pytest.raises(ConfigError, match="webhook_token: is empty"):
        load_settings(write(tmp_path, GOOD), environ={**ENV, "LIRAX_WEBHOOK_TOKEN": ""})


def test_an_open_api_off_loopback_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace('host = "127.0.0.1"', 'host = "0.0.0.0"').split("[[clients]]")[0]
    text += GOOD.split('providers = ["*"]')[1]
    with pytest.raises(ConfigError, match=r"\[\[clients\]\].*open to anyone"):
        load_settings(write(tmp_path, text), environ=ENV)


def test_a_short_client_key_is_refused_with_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"secrets\.token_urlsafe"):
        load_settings(write(tmp_path, GOOD), environ={**ENV, "CALLBOARD_KEY_CRM": "short"})


def test_serve_prints_one_line_and_exits_2_without_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('kind = "lirax"', 'kind = "nope"'))
    result = subprocess.run(
        [sys.executable, "-m", "callboard", "serve", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **ENV},
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"callboard: {path}: [[providers]] #1 (id 'lirax-main') kind" in result.stderr


def test_a_missing_file_says_how_to_pass_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--config"):
        load_settings(tmp_path / "absent.toml")


def test_postgresql_storage_and_redis_events_are_accepted(tmp_path: Path) -> None:
    text = GOOD.replace(
        "[[clients]]",
        '[storage]\nurl = "postgresql://cb:pw@db/callboard"\npool_size = 40\n\n'
        '[events]\nurl = "redis://cache:6379/0"\nstream = "cb:events"\n\n[[clients]]',
    )
    settings = load_settings(write(tmp_path, text), environ=ENV)
    assert settings.storage.url.startswith("postgresql://")
    assert settings.storage.pool_size == 40
    assert (settings.events.url, settings.events.stream) == ("redis://cache:6379/0", "cb:events")
