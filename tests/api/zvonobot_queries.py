"""GraphQL documents and helpers the Zvonobot API tests share."""

from __future__ import annotations

from typing import Any

from tests.vendors import Rig

START = """
mutation($i: StartRobocallInput!) {
  startRobocall(input: $i) {
    calls { id status providerCallId from to startedAt robocall { vendorStatus plannedAt } }
    recordCost
    notices { code message field }
    userErrors { field message code vendorCode }
  }
}"""

ROBOCALL_CALL = """
query($id: ID!) {
  call(id: $id) {
    id status from to startedAt answeredAt endedAt durationSeconds recordingUrl
    events { kind status raw }
    robocall {
      vendorStatus plannedAt ivrDigit ivrAnswers blocked managerStatus managerStartedAt
      managerAnsweredAt hangupCause cost templateId templateVariables { name value }
    }
  }
}"""

ROBOCALLS = """
query($p: ID!, $ids: [String!]!, $t: Boolean! = false) {
  robocalls(provider: $p, ids: $ids, fromTemplate: $t) {
    id status providerCallId robocall { vendorStatus templateId }
  }
}"""

TTS = {"text": "Здравствуйте! Это Callboard.", "voice": "MALE"}
OUTGOING = "+7 495 000-00-01"  # one of the simulator's confirmed numbers


def robocall(rig: Rig, phones: list[str], /, **extra: Any) -> dict[str, Any]:
    """Variables for START: a text-to-speech robocall from a confirmed number."""
    return {
        "i": {
            "provider": rig.provider_id,
            "phones": phones,
            "outgoingPhone": OUTGOING,
            "message": TTS,
            **extra,
        }
    }
