"""What a provider may serve, one class per capability, grouped by area (like Libcloud's
base class per API): a vendor's provider inherits the areas it serves, and its
`capabilities` are those areas', never written by hand. `Session.provider(id, Area)`
gives the provider typed as that area, so mypy catches an operation a provider lacks."""

from callboard.domain.capabilities import Capability
from callboard.providers.areas.account import ListsNumbers, ReportsBalance, VerifiesPhones
from callboard.providers.areas.area import Area
from callboard.providers.areas.calls import (
    ConnectsParties,
    HangsUpCalls,
    KeepsRecordings,
    PlacesCalls,
    ReadsCallHistory,
    ReportsCallEvents,
)
from callboard.providers.areas.crm import CreatesNotes, CreatesTasks, KeepsContacts, ManagesDeals
from callboard.providers.areas.numbers import AddsIncomingNumbers
from callboard.providers.areas.orders import CreatesOrders
from callboard.providers.areas.pbx import KeepsBlacklist, MessagesAgents, PbxDirectory
from callboard.providers.areas.robocalls import KeepsAudioRecords, Robocalls
from callboard.providers.areas.sms import SendsSms

__all__ = [
    "AREAS",
    "AddsIncomingNumbers",
    "Area",
    "ConnectsParties",
    "CreatesNotes",
    "CreatesOrders",
    "CreatesTasks",
    "HangsUpCalls",
    "KeepsAudioRecords",
    "KeepsBlacklist",
    "KeepsContacts",
    "KeepsRecordings",
    "ListsNumbers",
    "ManagesDeals",
    "MessagesAgents",
    "PbxDirectory",
    "PlacesCalls",
    "ReadsCallHistory",
    "ReportsBalance",
    "ReportsCallEvents",
    "Robocalls",
    "SendsSms",
    "VerifiesPhones",
]

# Every area, in the order of the capabilities they stand for (the README matrix's): one
# per capability, each naming its own, so the list is made, not written again.
_AREA_OF = {area.capability: area for area in Area.__subclasses__()}
AREAS: tuple[type[Area], ...] = tuple(_AREA_OF[capability] for capability in Capability)
