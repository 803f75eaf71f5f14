"""A fake LiraX PBX for the demo and the tests: its command URL, CRM, SMS and history site."""

from callboard.providers.lirax.simulator.base import Delivery
from callboard.providers.lirax.simulator.calls import Outcome, SimCall
from callboard.providers.lirax.simulator.crm import SimContact, SimDeal, SimNote, SimTask
from callboard.providers.lirax.simulator.directory import SimAgent, SimMessage
from callboard.providers.lirax.simulator.history import HistoryCall
from callboard.providers.lirax.simulator.server import LiraxSimulator
from callboard.providers.lirax.simulator.sms import SimModem, SimReceivedSms, SimSms, SmsOutcome

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
