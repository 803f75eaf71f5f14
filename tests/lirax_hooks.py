"""A LiraX webhook the tests post: a finished incoming call, as the page writes it."""

from __future__ import annotations


def call_completed(callid: str, token: str | None = None) -> dict[str, str]:
    """The form; with `token`, signed as LiraX signs it (`from_LiraX_token`)."""
    form = {
        "cmd": "event",
        "type": "in",
        "event": "CALL_COMPLETED",
        "phone": "380991234567",
        "diversion": "380441234567",
        "ext": "101",
        "callid": callid,
        "status": "Success",
        "duration": "42",
    }
    if token is not None:
        form["from_LiraX_token"] = token
    return form
