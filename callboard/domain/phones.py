"""Phone numbers: anything a person types, into E.164, with Google's libphonenumber."""

from __future__ import annotations

import functools

import phonenumbers

from callboard.domain.errors import BadInput

_FORMAT = phonenumbers.PhoneNumberFormat.E164


def normalize_phone(text: str, default_region: str, *, field: str = "phone") -> str:
    """E.164 for a number a client typed; a number that cannot exist is `BadInput`.

    Numbers without a country code are read in `default_region` (a "8 912 ..." in RU).
    """
    cleaned = text.strip()
    if not cleaned:
        raise BadInput("A phone number is required.", field=field)
    try:
        number = phonenumbers.parse(cleaned, default_region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        # Vendors and CRMs often hand out international numbers as bare digits
        # ("380501234567"); read them as international before giving up.
        number = _parse_bare_international(cleaned)
    if number is None or not phonenumbers.is_valid_number(number):
        raise BadInput(
            f"'{cleaned}' is not a valid phone number; write it with its country code, "
            "e.g. +7 912 345-67-89.",
            field=field,
        )
    return phonenumbers.format_number(number, _FORMAT)


# Parsing a number takes phonenumbers ~0.1 ms, a good part of a webhook's cost, and the
# same numbers (a company's lines, its agents, its regular callers) come in again and again.
@functools.lru_cache(maxsize=8192)
def parse_vendor_phone(text: str | None, default_region: str) -> str | None:
    """E.164 for a number a vendor sent, or the vendor's text itself if it does not parse.

    Vendor data is never refused for its shape: an extension, a hidden number or a
    malformed one is kept as written.
    """
    if text is None:
        return None
    cleaned = text.strip()
    if not cleaned:
        return None
    # A valid reading wins, the national one first ("8 495 ..." in RU is Moscow, not
    # Vietnam); failing that, a merely possible one, international first, as vendors
    # mostly send bare international digits.
    readings = [_parse_in_region(cleaned, default_region), _parse_bare_international(cleaned)]
    found = [n for n in readings if n is not None]
    for number in found:
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, _FORMAT)
    for number in reversed(found):
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, _FORMAT)
    return cleaned


def _parse_in_region(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def _parse_bare_international(text: str) -> phonenumbers.PhoneNumber | None:
    digits = text.lstrip("+")
    if not digits.isdigit() or len(digits) < 8:
        return None
    try:
        return phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None


def digits_only(e164: str) -> str:
    """The number as vendors that take bare international digits want it (no '+')."""
    return e164.lstrip("+")
