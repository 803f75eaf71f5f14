"""A fake Zvonobot for the demo and the tests: apiCalls, records, templates, webhooks."""

from callboard.providers.zvonobot.simulator.server import (
    Delivery,
    Outcome,
    OutcomeName,
    SimApiCall,
    SimRecord,
    ZvonobotSimulator,
)

__all__ = [
    "Delivery",
    "Outcome",
    "OutcomeName",
    "SimApiCall",
    "SimRecord",
    "ZvonobotSimulator",
]
