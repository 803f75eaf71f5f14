"""What a provider backend can do, so clients can hide what it can't."""

from __future__ import annotations

import enum


class Capability(enum.Enum):
    PLACE_CALL = "PLACE_CALL"
    CONNECT_PARTIES = "CONNECT_PARTIES"
    HANGUP_CALL = "HANGUP_CALL"
    CALL_EVENTS = "CALL_EVENTS"
    RECORDINGS = "RECORDINGS"
    UPSERT_CONTACT = "UPSERT_CONTACT"
    CREATE_TASK = "CREATE_TASK"
    CREATE_NOTE = "CREATE_NOTE"
    MANAGE_DEALS = "MANAGE_DEALS"
    BLACKLIST = "BLACKLIST"
    DIRECTORY = "DIRECTORY"  # agents, shops, deal stages, agent status types
    AGENT_MESSAGES = "AGENT_MESSAGES"
    CALL_HISTORY = "CALL_HISTORY"
    SEND_SMS = "SEND_SMS"
    START_ROBOCALL = "START_ROBOCALL"  # + robocalls, reschedule, cancel, templates, languages
    AUDIO_RECORDS = "AUDIO_RECORDS"
    NUMBERS = "NUMBERS"
    BALANCE = "BALANCE"
    VERIFY_PHONE = "VERIFY_PHONE"
    ADD_INCOMING_NUMBERS = "ADD_INCOMING_NUMBERS"
    CREATE_ORDER = "CREATE_ORDER"
