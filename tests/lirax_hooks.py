"""A LiraX webhook the process-level tests post: a finished incoming call, as the page
writes it."""

from __future__ import annotations


def call_completed(callid: str, token: str) -> dict[str, str]:
    return {
        "cmd": "event",
        "type": "in",
        "event": "CALL_COMPLETED",
        "phone": "380991234567",
        "diversion": "380441234567",
        "ext": "101",
        "callid": callid,
        "status": "Success",
        "duration": "42",
        "from_LiraX_token": token,
    }
