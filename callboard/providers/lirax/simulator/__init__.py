"""A fake LiraX PBX for the demo and the tests: its command URL, CRM, SMS and history site."""

from callboard.providers.lirax.simulator.history import HistoryCall
from callboard.providers.lirax.simulator.server import (
    Delivery,
    LiraxSimulator,
    Outcome,
    SimAgent,
    SimCall,
    SimContact,
    SimDeal,
    SimMessage,
    SimModem,
    SimNote,
    SimReceivedSms,
    SimSms,
    SimTask,
    SmsOutcome,
)

__all__ = [
    "Delivery",
    "HistoryCall",
    "LiraxSimulator",
    "Outcome",
    "SimAgent",
    "SimCall",
    "SimContact",
    "SimDeal",
    "SimMessage",
    "SimModem",
    "SimNote",
    "SimReceivedSms",
    "SimSms",
    "SimTask",
    "SmsOutcome",
]
