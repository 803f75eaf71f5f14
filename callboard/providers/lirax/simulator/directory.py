"""The fake LiraX's directory: black lists of phones and addresses, shops, users and their
statuses (reported by staton webhooks), and the messenger's messages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.responses import JSONResponse, Response

from callboard.providers.lirax.simulator.base import Command, LiraxPbx
from callboard.providers.lirax.simulator.params import DIGITS, black_ip, check, nonblank

__all__ = ["DirectoryCommands", "SimAgent", "SimMessage"]

DEFAULT_SHOPS = {1: "Main shop", 2: "Online shop"}
# The staton webhook's vocabulary: 0 went offline, 1 free, above 1 busy "as configured".
DEFAULT_USER_STATUSES = {0: "Offline", 1: "Available", 2: "Busy", 3: "On a break"}
DEFAULT_AGENT_STATUSES = {"101": 1, "102": 2, "103": 0}


@dataclass(frozen=True)
class SimAgent:
    """What getUsers tells about an agent beyond ``agents``' extension -> name: its user id
    and whether the account is active."""

    id: int
    active: bool = True


DEFAULT_AGENT_DETAILS = {"101": SimAgent(1), "102": SimAgent(2), "103": SimAgent(3)}


@dataclass(frozen=True)
class SimMessage:
    """A message sendMsg put in agent ``ext``'s messenger; ``ani`` is who it is from."""

    ext: str
    ani: str
    text: str


class DirectoryCommands(LiraxPbx):
    """The directory commands; ``black_phones`` and ``black_ips`` (in order of addition),
    ``shops`` (id -> name), ``user_statuses`` (status id -> title), ``agent_details``
    (extension -> id and active flag, for getUsers), ``agent_statuses`` (extension ->
    current status id, for initStatuses) and the ``messages`` sendMsg left."""

    def _open_directory(self) -> None:
        self.black_phones: list[str] = []
        self.black_ips: list[str] = []
        self.shops: dict[int, str] = dict(DEFAULT_SHOPS)
        self.user_statuses: dict[int, str] = dict(DEFAULT_USER_STATUSES)
        self.agent_details: dict[str, SimAgent] = dict(DEFAULT_AGENT_DETAILS)
        self.agent_statuses: dict[str, int] = dict(DEFAULT_AGENT_STATUSES)
        self.messages: list[SimMessage] = []

    def _directory_commands(self) -> dict[str, Command]:
        return {
            "addBlackPhone": self._add_black_phone,
            "listBlackPhone": self._list_black_phone,
            "delBlackPhone": self._del_black_phone,
            "addBlackIP": self._add_black_ip,
            "listBlackIP": self._list_black_ip,
            "delBlackIP": self._del_black_ip,
            "getShops": self._get_shops,
            "getUserStatuses": self._get_user_statuses,
            "getUsers": self._get_users,
            "initStatuses": self._init_statuses,
            "sendMsg": self._send_msg,
        }

    async def set_agent_status(self, ext: str, status: int) -> None:
        """Put agent ``ext`` in ``status`` (an id of ``user_statuses``) and post the staton
        webhook the page sends "when the state changes"."""
        if ext not in self.agents:
            raise ValueError(f"no agent {ext!r}")
        if status not in self.user_statuses:
            raise ValueError(f"status must be one of {sorted(self.user_statuses)}")
        self.agent_statuses[ext] = status
        self._background.spawn(self._staton_script([(ext, status)]))

    # -- black lists -----------------------------------------------------------------------
    # The page says nothing of adding what is listed already: the add answers 200 and the
    # entry keeps its place. Deleting what is not listed is 400 (the page gives no other
    # answer for it).

    async def _add_black_phone(self, p: dict[str, str]) -> Response:
        phone = self._black_phone(p)
        if phone not in self.black_phones:
            self.black_phones.append(phone)
        return Response(status_code=200)

    async def _list_black_phone(self, p: dict[str, str]) -> Response:
        self._ignored_phone(p)
        return JSONResponse({"blacklist": list(self.black_phones)})

    async def _del_black_phone(self, p: dict[str, str]) -> Response:
        phone = self._black_phone(p)
        check(phone in self.black_phones)
        self.black_phones.remove(phone)
        return Response(status_code=200)

    async def _add_black_ip(self, p: dict[str, str]) -> Response:
        ip = black_ip(p.get("IP", ""))
        if ip not in self.black_ips:
            self.black_ips.append(ip)
        return Response(status_code=200)

    async def _list_black_ip(self, p: dict[str, str]) -> Response:
        self._ignored_phone(p)
        return JSONResponse({"blacklist": list(self.black_ips)})

    async def _del_black_ip(self, p: dict[str, str]) -> Response:
        ip = black_ip(p.get("IP", ""))
        check(ip in self.black_ips)
        self.black_ips.remove(ip)
        return Response(status_code=200)

    @staticmethod
    def _black_phone(p: Mapping[str, str]) -> str:
        phone = p.get("phone", "")
        check(DIGITS.fullmatch(phone))
        return phone

    @staticmethod
    def _ignored_phone(p: Mapping[str, str]) -> None:
        # Both list commands' tables carry a "phone, digits only" row copied from the add
        # command, and their examples send none: it is optional, must be digits when given,
        # and filters nothing.
        check(not p.get("phone") or DIGITS.fullmatch(p["phone"]))

    # -- directory commands ------------------------------------------------------------------

    async def _get_shops(self, p: dict[str, str]) -> Response:
        # The page quotes the shop id ("$id_shop") though makeCall's idshop is an integer:
        # the id goes out as a string, as shown.
        shops = [{"id": str(id_shop), "name": name} for id_shop, name in self.shops.items()]
        return JSONResponse({"shops": shops})

    async def _get_user_statuses(self, p: dict[str, str]) -> Response:
        # Quoted on the page ("$status") although staton sends it as an integer.
        statuses = [
            {"status": str(status), "title": title} for status, title in self.user_statuses.items()
        ]
        return JSONResponse({"statuses": statuses})

    async def _get_users(self, p: dict[str, str]) -> Response:
        # As the page's example spells it: an unquoted id, a capitalised "Name" (every other
        # reply says "name"), the extension and "active" as the string "0" or "1".
        users = []
        for ext, name in self.agents.items():
            detail = self._agent_detail(ext)
            active = "1" if detail.active else "0"
            users.append({"id": detail.id, "Name": name, "ext": ext, "active": active})
        return JSONResponse({"users": users})

    async def _init_statuses(self, p: dict[str, str]) -> Response:
        # The page: the current statuses come "through webhooks" -- one staton per agent,
        # after the empty 200. An agent with no status on record is reported offline (0).
        current = [(ext, self.agent_statuses.get(ext, 0)) for ext in self.agents]
        self._background.spawn(self._staton_script(current))
        return Response(status_code=200)

    async def _send_msg(self, p: dict[str, str]) -> Response:
        ext = self._agent(p)
        # The table calls ani the contact's name, the example sends a phone number: any
        # non-blank text is taken, and the contact need not be known.
        ani = nonblank(p, "ani")
        self.messages.append(SimMessage(ext, ani, nonblank(p, "text")))
        return Response(status_code=200)

    def _agent_detail(self, ext: str) -> SimAgent:
        """An agent a test added to ``agents`` alone gets the next free id, active."""
        detail = self.agent_details.get(ext)
        if detail is None:
            next_id = max((d.id for d in self.agent_details.values()), default=0) + 1
            detail = self.agent_details[ext] = SimAgent(next_id)
        return detail

    async def _staton_script(self, statuses: list[tuple[str, int]]) -> None:
        await self._step()
        for ext, status in statuses:
            await self._post("staton", ext=ext, status=str(status))
