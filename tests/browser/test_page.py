"""The GraphiQL page without a browser: its tabs are the README tour's operations, it
names no other host, and without its built files it says how to build them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callboard.graphiql import graphiql_page, page
from callboard.graphiql.tour import TOUR
from callboard.settings import parse_settings
from tests.browser.conftest import ROOT

OPEN = parse_settings({}, source="<test>", environ={})
WITH_KEYS = parse_settings(
    {"clients": [{"name": "crm", "key": "0123456789abcdef0123"}]}, source="<test>", environ={}
)


def _tour_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    tour = readme[readme.index("## A 5-minute tour") : readme.index("## Running it for real")]
    return [block.strip() for block in re.findall(r"```graphql\n(.*?)```", tour, re.S)]


def test_the_tabs_are_the_readme_tours_operations_in_its_order() -> None:
    assert list(TOUR) == _tour_blocks()
    names = [re.split(r"[ {(]", op)[1] for op in TOUR]  # GraphiQL's tab titles
    assert len(set(names)) == len(TOUR)  # each tab titled by a name of its own


def test_the_page_loads_nothing_from_another_host() -> None:
    if page.missing_assets():
        pytest.skip("GraphiQL's files are not built (`make graphiql`)")
    html = graphiql_page(OPEN).body.decode()
    sources = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sources  # the scripts and styles
    assert all(s.startswith("/graphiql/") or s.startswith("data:") for s in sources), sources
    assert "https://" not in html
    assert "http://" not in html
    assert "Bearer <your client key>" not in html  # an open demo needs no key


def test_with_client_keys_the_header_editor_opens_on_the_authorization_header() -> None:
    if page.missing_assets():
        pytest.skip("GraphiQL's files are not built (`make graphiql`)")
    html = graphiql_page(WITH_KEYS).body.decode()
    assert r'"headers": "{\"Authorization\": \"Bearer \u003cyour client key>\"}"' in html


def test_without_its_files_the_page_says_how_to_build_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(page, "STATIC", tmp_path)
    html = graphiql_page(OPEN).body.decode()
    assert "make graphiql" in html
    assert "graphiql.min.js" in html
