"""A fake Zvonobot for the demo and the tests: apiCalls, records, templates, webhooks."""

from callboard.providers.zvonobot.simulator.server import ZvonobotSimulator
from callboard.providers.zvonobot.simulator.state import (
    Delivery,
    Outcome,
    OutcomeName,
    SimApiCall,
    SimRecord,
)

__all__ = [
    "Delivery",
    "Outcome",
    "OutcomeName",
    "SimApiCall",
    "SimRecord",
    "ZvonobotSimulator",
]
