"""How the fake Zvonobot reads a request and checks its fields, reporting as Laravel does."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

__all__ = [
    "BadBody",
    "Fields",
    "Invalid",
    "Upload",
    "as_flag",
    "as_int",
    "given",
    "is_phone",
    "read_body",
]

# [0-9] rather than \d: \d would let non-ASCII digits through.
_PHONE = re.compile(r"[0-9]{11}")
_INT = re.compile(r"-?[0-9]+")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\x20-\x7e\t]*")


class Invalid(Exception):
    """A request breaks field rules: the vendor answers 422 with every field's errors."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The first problem, which Laravel repeats as the reply's ``message``."""
        return next(iter(self.errors.values()))[0]


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content: bytes


class BadBody(ValueError):
    """The body is not a JSON object (nor, where allowed, a multipart form): HTTP 400."""


async def read_body(request: Request, *, multipart: bool) -> dict[str, Any]:
    """The request's fields: its JSON object (none for a GET or an empty body), or, where
    ``multipart``, its form with files read in."""
    if request.method == "GET":
        return {}
    if multipart and request.headers.get("content-type", "").startswith("multipart/form-data"):
        try:
            async with request.form() as form:
                body: dict[str, Any] = {}
                for key, value in form.multi_items():
                    if isinstance(value, UploadFile):
                        body[key] = Upload(value.filename or "", await value.read())
                    else:
                        body[key] = value
                return body
        except HTTPException as exc:
            raise BadBody(f"Malformed multipart body: {exc.detail}") from exc
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        raise BadBody("The request body must be a JSON object")
    return parsed


def given(data: Mapping[str, Any], key: str) -> Any:
    # Laravel turns empty strings into null before validating: both mean "not given".
    value = data.get(key)
    return None if value == "" else value


def is_phone(value: object) -> bool:
    """11 ASCII digits, as the vendor writes every number."""
    return isinstance(value, str) and _PHONE.fullmatch(value) is not None


def as_int(value: object) -> int | None:
    """An integer as Laravel's ``integer`` rule takes it: a JSON integer or its digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT.fullmatch(value):
        return int(value)
    return None


def as_flag(value: object) -> int | None:
    """0 or 1 as Laravel's ``boolean`` rule takes them (also true/false and "0"/"1")."""
    if isinstance(value, bool):
        return int(value)
    if value in (0, 1, "0", "1"):
        return int(str(value))
    return None


class Fields:
    """The problems found in one request, in the order found.

    Each reader returns the field's value, or None when it is absent or wrong (having noted
    the problem); ``done`` raises ``Invalid`` if anything was noted.
    """

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def done(self) -> None:
        if self.errors:
            raise Invalid(self.errors)

    def required(self, path: str) -> None:
        self.fail(path, f"Поле {path} обязательно для заполнения.")

    def integer(
        self,
        data: Mapping[str, Any],
        key: str,
        at: str = "",
        *,
        low: int | None = None,
        high: int | None = None,
        required: bool = False,
    ) -> int | None:
        path, value = at + key, given(data, key)
        if value is None:
            if required:
                self.required(path)
            return None
        return self.integer_value(path, value, low=low, high=high)

    def integer_value(
        self, path: str, value: object, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        number = as_int(value)
        if number is None:
            self.fail(path, f"Поле {path} должно быть целым числом.")
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            if high is None:
                self.fail(path, f"Поле {path} должно быть не меньше {low}.")
            else:
                self.fail(path, f"Поле {path} должно быть между {low} и {high}.")
            return None
        return number

    def unix_time(self, data: Mapping[str, Any], key: str, at: str = "") -> int | None:
        path, value = at + key, given(data, key)
        number = None if value is None else as_int(value)
        if value is not None and (number is None or number < 0):
            self.fail(path, f"Поле {path} не соответствует формату U.")
            return None
        return number

    def flag(self, data: Mapping[str, Any], key: str, at: str = "") -> int | None:
        path, value = at + key, given(data, key)
        if value is None:
            return None
        flag = as_flag(value)
        if flag is None:
            self.fail(path, f"Поле {path} должно иметь значение 0 или 1.")
        return flag

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        at: str = "",
        *,
        max_len: int | None = None,
        required: bool = False,
    ) -> str | None:
        path, value = at + key, given(data, key)
        if value is None:
            if required:
                self.required(path)
            return None
        if not isinstance(value, str):
            self.fail(path, f"Поле {path} должно быть строкой.")
            return None
        if max_len is not None and len(value) > max_len:
            self.fail(path, f"Количество символов в поле {path} не может превышать {max_len}.")
            return None
        return value

    def one_of(
        self, data: Mapping[str, Any], key: str, choices: Collection[str], at: str = ""
    ) -> str | None:
        path, value = at + key, given(data, key)
        if value is not None and value not in choices:
            self.fail(path, f"Выбранное значение для {path} ошибочно.")
            return None
        return value if isinstance(value, str) else None

    def phone(
        self, data: Mapping[str, Any], key: str, at: str = "", *, required: bool = False
    ) -> str | None:
        value = self.text(data, key, at, required=required)
        return None if value is None else self.phone_value(at + key, value)

    def phone_value(self, path: str, value: object) -> str | None:
        if is_phone(value):
            return str(value)
        self.fail(path, f"Поле {path} должно быть строкой из 11 цифр.")
        return None

    def clock(self, data: Mapping[str, Any], key: str) -> None:
        value = self.text(data, key)
        if value is not None and not _CLOCK.fullmatch(value):
            self.fail(key, f"Поле {key} не соответствует формату H:i.")

    def json_object(self, data: Mapping[str, Any], key: str, at: str = "") -> dict[str, Any]:
        """A JSON string holding an object, parsed; ``{}`` when absent or wrong."""
        path, value = at + key, self.text(data, key, at)
        if value is None:
            return {}
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            parsed = None
        if not isinstance(parsed, dict):
            self.fail(path, f"Поле {path} должно быть JSON-строкой с объектом.")
            return {}
        return parsed

    def headers(self, data: Mapping[str, Any], key: str, at: str = "") -> dict[str, str]:
        """webhookHeaders: a JSON object of header names to values sent as they read."""
        headers: dict[str, str] = {}
        for name, value in self.json_object(data, key, at).items():
            text = value if isinstance(value, str) else json.dumps(value)
            # A name or value HTTP cannot carry would only fail each webhook later, unseen.
            if not _HEADER_NAME.fullmatch(name) or not _HEADER_VALUE.fullmatch(text):
                self.fail(at + key, f"Поле {at + key} содержит недопустимый заголовок.")
                return {}
            headers[name] = text
        return headers

    def array(
        self, data: Mapping[str, Any], key: str, at: str = "", *, required: bool = False
    ) -> list[Any] | None:
        path, value = at + key, given(data, key)
        if value is None or value == []:
            if required:
                self.required(path)
            return None
        if not isinstance(value, list):
            self.fail(path, f"Поле {path} должно быть массивом.")
            return None
        return value

    def int_list(
        self,
        data: Mapping[str, Any],
        key: str,
        at: str = "",
        *,
        limit: int | None = None,
        low: int | None = None,
        high: int | None = None,
        required: bool = True,
    ) -> list[int]:
        items = self.array(data, key, at, required=required)
        if items is None:
            return []
        if limit is not None and len(items) > limit:
            self.fail(at + key, f"Поле {at + key} должно содержать не более {limit} элементов.")
            return []
        found = [
            self.integer_value(f"{at}{key}.{i}", item, low=low, high=high)
            for i, item in enumerate(items)
        ]
        return [n for n in found if n is not None]

    def phones(self, data: Mapping[str, Any], *, max_phones: int) -> tuple[list[str], bool]:
        """``phone`` or ``phones``: the numbers, and whether the request gave ``phone``."""
        one, many = given(data, "phone"), given(data, "phones")
        if one is None and many is None:
            self.fail("phone", "Поле phone обязательно для заполнения, когда phones не указано.")
            return [], True
        if one is not None and many is not None:
            # Which one the vendor would use is not documented; refusing keeps a client
            # from relying on either.
            self.fail("phone", "Поле phone нельзя указывать вместе с phones.")
            return [], True
        if one is not None:
            phone = self.phone(data, "phone")
            return ([phone] if phone else []), True
        if not isinstance(many, list) or not many:
            self.fail("phones", "Поле phones должно быть непустым массивом.")
            return [], False
        if len(many) > max_phones:
            self.fail("phones", f"Поле phones должно содержать не более {max_phones} номеров.")
            return [], False
        numbers = [self.phone_value(f"phones.{i}", p) for i, p in enumerate(many)]
        return [n for n in numbers if n is not None], False


# -- apiCalls/create ---------------------------------------------------------------------
