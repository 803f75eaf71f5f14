"""Global ids and cursors: opaque base64 of "Type:key", so clients never build them."""

from __future__ import annotations

import base64
import binascii

from callboard.domain.errors import BadInput

__all__ = ["decode_id", "encode_id"]


def encode_id(type_name: str, key: str | int) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode("ascii")


def decode_id(type_name: str, value: str, *, field: str) -> str:
    """The key inside a global id made by `encode_id(type_name, ...)`, or `BadInput`."""
    try:
        text = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, _, key = text.partition(":")
    if prefix != type_name or not key:
        raise BadInput(f"'{value}' is not a {type_name} id.", field=field)
    return key


def decode_int_id(type_name: str, value: str, *, field: str) -> int:
    key = decode_id(type_name, value, field=field)
    if not key.isdigit():
        raise BadInput(f"'{value}' is not a {type_name} id.", field=field)
    return int(key)
