"""The status vocabulary: the README's table is the generated one, and vendors' words and
Q.850 causes land on the status the table says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callboard.domain.call_outcomes import (
    MEANINGS,
    status_of_cause,
    status_of_words,
    status_table,
)
from callboard.domain.calls import CallStatus

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_status_has_its_meaning() -> None:
    assert set(MEANINGS) == set(CallStatus)


def test_the_readme_shows_the_generated_table() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- status-table:start -->\n(.*?)<!-- status-table:end -->", text, re.S)
    assert found, "README lost its status-table markers"
    assert found.group(1) == status_table(), "README's status table is stale"


@pytest.mark.parametrize(
    ("words", "status"),
    [
        ("BUSY", CallStatus.BUSY),
        ("user busy", CallStatus.BUSY),
        ("Абонент занят", CallStatus.BUSY),
        ("NOANSWER", CallStatus.NO_ANSWER),
        ("no answer", CallStatus.NO_ANSWER),
        ("unanswered", CallStatus.NO_ANSWER),
        ("NO_USER_RESPONSE", CallStatus.NO_ANSWER),
        ("Нет ответа", CallStatus.NO_ANSWER),
        ("CONGESTION", CallStatus.UNREACHABLE),
        ("CHANUNAVAIL", CallStatus.UNREACHABLE),
        ("NotAvailable", CallStatus.UNREACHABLE),
        ("switched off", CallStatus.UNREACHABLE),
        ("UNALLOCATED_NUMBER", CallStatus.UNREACHABLE),
        ("Абонент недоступен", CallStatus.UNREACHABLE),
        ("CALL_REJECTED", CallStatus.REJECTED),
        ("declined", CallStatus.REJECTED),
        ("DONTCALL", CallStatus.REJECTED),
        ("ORIGINATOR_CANCEL", CallStatus.CANCELED),
        ("abandoned", CallStatus.CANCELED),
        ("NotAllowed", CallStatus.FAILED),
        ("direction prohibited", CallStatus.FAILED),
        ("insufficient funds", CallStatus.FAILED),
        ("error", CallStatus.FAILED),
        ("NORMAL_CLEARING", None),
        ("", None),
        (None, None),
    ],
)
def test_vendors_words_land_on_the_vocabulary(words: str | None, status: CallStatus) -> None:
    assert status_of_words(words) is status


@pytest.mark.parametrize(
    ("cause", "status"),
    [
        (17, CallStatus.BUSY),
        ("18", CallStatus.NO_ANSWER),
        ("19", CallStatus.NO_ANSWER),
        (21, CallStatus.REJECTED),
        ("1", CallStatus.UNREACHABLE),
        ("38", CallStatus.UNREACHABLE),
        ("16", None),  # normal clearing
        ("USER_BUSY", CallStatus.BUSY),
    ],
)
def test_q850_causes(cause: object, status: CallStatus | None) -> None:
    assert status_of_cause(cause) is status
