"""How the fake LiraX checks a command's parameters: a wrong one is a 400 with no body."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from datetime import datetime

__all__ = [
    "DIGITS",
    "MAKE2CALLS_OPTIONAL",
    "PHONE",
    "SOUND_URL",
    "UINT",
    "Invalid",
    "black_ip",
    "check",
    "digit_list",
    "email_list",
    "is_task_date",
    "nonblank",
    "two_years_after",
]

# [0-9] rather than \d: \d would let non-ASCII digits through.
DIGITS = re.compile(r"[0-9]+")
PHONE = re.compile(r"[0-9]{5,15}")
UINT = re.compile(r"[0-9]+")
_HOUR = re.compile(r"[01]?[0-9]|2[0-3]")
_VTIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_VDATE = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{4}")
_MONEY = re.compile(r"[0-9]+\.[0-9]{2}")
SOUND_URL = re.compile(r"https?://[^\s?#]+\.(mp3|wav)", re.IGNORECASE)
_TASK_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_EMAIL_PART = re.compile(r"[^\s@,]+")
_DOTTED_QUAD = re.compile(r"[0-9]{1,3}(\.[0-9]{1,3}){3}")


class Invalid(Exception):
    """A command's parameters are wrong: LiraX answers 400 with no body."""


def check(ok: object) -> None:
    if not ok:
        raise Invalid


def is_vdate(value: str) -> bool:
    if value in ("today", "tomorrow"):
        return True
    if not _VDATE.fullmatch(value):
        return False
    try:
        datetime.strptime(value, "%d.%m.%Y")
    except ValueError:
        return False
    return True


MAKE2CALLS_OPTIONAL: dict[str, Callable[[str], object]] = {
    "timeout": UINT.fullmatch,
    "successtime": UINT.fullmatch,
    "notbefore": _HOUR.fullmatch,
    "notafter": _HOUR.fullmatch,
    "vtime": _VTIME.fullmatch,
    "vdate": is_vdate,
    "vmoney": _MONEY.fullmatch,
}


def is_task_date(value: str) -> bool:
    if not _TASK_DATE.fullmatch(value):
        return False
    try:
        datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    return True


def two_years_after(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year + 2)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 2, day=28)


def digit_list(value: str) -> list[str]:
    """``380123456789,380234567890`` -> its numbers; an empty value means none."""
    items = value.split(",") if value else []
    check(all(DIGITS.fullmatch(item) for item in items))
    return items


def email_list(value: str) -> list[str]:
    items = value.split(",") if value else []
    for item in items:
        local, at, domain = item.partition("@")
        check(at and _EMAIL_PART.fullmatch(local) and _EMAIL_PART.fullmatch(domain))
    return items


def black_ip(value: str) -> str:
    """An address for the black list, in its canonical form so that deleting finds it.

    The page's own example sends ``100.111.000.101``: leading zeros in an IPv4 octet are
    read as decimal (``ipaddress`` refuses them outright). IPv6 is accepted, without a
    ``%zone``; networks, host names and surrounding blanks are not.
    """
    if _DOTTED_QUAD.fullmatch(value):
        value = ".".join(str(int(octet)) for octet in value.split("."))
    check("%" not in value)
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise Invalid from None


def nonblank(p: Mapping[str, str], name: str) -> str:
    value = p.get(name, "")
    check(value.strip())
    return value
