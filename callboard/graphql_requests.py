"""A /graphql HTTP request read within its limit and checked in one place: its GET
parameters, JSON body or multipart upload become one operation for strawberry to run (a
persisted document's hash its document: schema/persisted_documents.py), or a `BadRequest`
answered with a GraphQL error body (HTTP 400, or 413 over a limit)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.types import Receive
from strawberry.http import GraphQLRequestData

from callboard.domain.json_bounds import JsonOutOfBounds, loads
from callboard.request_body import BodyTooLarge, capped
from callboard.schema.persisted_documents import PersistedDocuments, PersistedRefusal
from callboard.settings import GraphQLSettings

__all__ = [
    "BAD_REQUEST",
    "BadRequest",
    "error_response",
    "limit_body",
    "read_operation",
    "too_large",
]

# Apollo Server's code for a request that could not be read.
BAD_REQUEST = "BAD_REQUEST"

_NO_QUERY = (
    "The request has no `query`: send the GraphQL document as a string (or a persisted "
    "document's hash: `documentId`, or `extensions.persistedQuery`)."
)


class BadRequest(Exception):
    """The request cannot be read or is not one GraphQL operation; the message says why."""

    def __init__(self, message: str, *, status: int = 400, code: str = BAD_REQUEST) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def error_response(
    message: str, code: str, status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A GraphQL error body with no data: what /graphql answers a request it cannot run."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers=headers,
    )


def limit_body(headers: Headers, receive: Receive, limits: GraphQLSettings) -> Receive:
    """`receive`, passing on at most the body limit of the request's kind (an upload's, or
    a JSON body's): over it, `BodyTooLarge` naming the key, and the rest is never read."""
    if _media_type(headers) == "multipart/form-data":
        return capped(headers, receive, limits.max_upload_bytes, "[graphql] max_upload_bytes")
    return capped(headers, receive, limits.max_body_bytes, "[graphql] max_body_bytes")


def too_large(exc: BodyTooLarge) -> str:
    """What a client is told of a body over its limit (HTTP 413)."""
    return f"The request body is larger than {exc.limit:,} bytes ({exc.setting})."


async def read_operation(
    request: Request, limits: GraphQLSettings, persisted: PersistedDocuments, *, uploads: bool
) -> GraphQLRequestData:
    """The operation `request` asks to run, its document found by `persisted` when it
    sends a hash; `BadRequest` if it cannot be read or is not one operation. `uploads`:
    multipart uploads are taken."""
    if request.method == "GET":
        params = request.query_params
        return _operation(
            {
                "query": params.get("query"),
                "documentId": params.get("documentId"),
                "operationName": params.get("operationName"),
                **{
                    name: _json(text, f"The `{name}` parameter")
                    for name in ("variables", "extensions")
                    if (text := params.get(name))
                },
            },
            persisted,
        )
    media_type = _media_type(request.headers)
    if media_type == "application/json":
        return _operation(_json(await _body(request), "The request body"), persisted)
    if uploads and media_type == "multipart/form-data":
        return _operation(await _upload(request, limits), persisted)
    raise BadRequest(
        "Send the operation as JSON (Content-Type: application/json), as a multipart "
        "upload (multipart/form-data), or in a GET request's parameters."
    )


def _operation(data: Any, persisted: PersistedDocuments) -> GraphQLRequestData:
    if isinstance(data, list):
        raise BadRequest("Send one operation per request: batches are not supported.")
    if not isinstance(data, dict):
        raise BadRequest('The operation must be a JSON object: {"query": "...", "variables": {}}.')
    for name in ("variables", "extensions"):
        if data.get(name) is not None and not isinstance(data[name], dict):
            raise BadRequest(f"`{name}` must be a JSON object, or null.")
    query, document_id = data.get("query"), data.get("documentId")
    if query is not None and not isinstance(query, str):
        raise BadRequest(_NO_QUERY)
    if document_id is not None and not isinstance(document_id, str):
        raise BadRequest("`documentId` must be a string, or null.")
    try:
        query = persisted.document(query, data.get("extensions"), document_id)
    except PersistedRefusal as exc:
        raise BadRequest(exc.message, status=exc.status, code=exc.code) from None
    if query is None or not query.strip():
        raise BadRequest(_NO_QUERY)
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string, or null.")
    return GraphQLRequestData(
        query=query,
        variables=data.get("variables"),
        operation_name=operation_name,
        extensions=data.get("extensions"),
    )


def _json(text: str | bytes, what: str) -> Any:
    try:
        return loads(text)
    except JsonOutOfBounds as exc:
        raise BadRequest(f"{what} cannot be read: {exc}") from None


async def _body(request: Request) -> bytes:
    try:
        return await request.body()
    except ClientDisconnect:
        raise BadRequest("The request body ended before it was complete.") from None


async def _upload(request: Request, limits: GraphQLSettings) -> Any:
    """A GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec):
    `operations` with a null where each file goes, and `map` from file parts to those
    places."""
    try:
        # Each form field (`operations`, `map`) at most a JSON body; files spool to disk.
        form = await request.form(max_part_size=limits.max_body_bytes)
    except HTTPException as exc:  # Starlette's, for a malformed multipart body
        raise BadRequest(f"The multipart body cannot be read: {exc.detail}") from None
    except ClientDisconnect:
        raise BadRequest("The request body ended before it was complete.") from None
    operations = _json(_field(form, "operations"), "`operations`")
    files = _json(_field(form, "map"), "`map`")
    if not isinstance(operations, dict):
        raise BadRequest(
            "`operations` must be a JSON object (one operation: batches are not supported)."
        )
    if not isinstance(files, dict):
        raise BadRequest('`map` must be a JSON object: {"<file part>": ["variables.<name>"]}.')
    for part, paths in files.items():
        upload = form.get(part)
        if not isinstance(upload, UploadFile):
            raise BadRequest(f"`map` names the file part {part!r}, which the request lacks.")
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            raise BadRequest(f"`map` must list where the file {part!r} goes, as paths.")
        for path in paths:
            _put(operations, path, upload)
    return operations


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    if value is None:
        raise BadRequest(f"The multipart request has no `{name}` field.")
    if not isinstance(value, str):
        raise BadRequest(f"`{name}` must be a form field, not a file.")
    return value


def _put(operations: dict[str, Any], path: str, upload: UploadFile) -> None:
    """Put `upload` at `path` ("variables.input.file"), where `operations` holds a null."""
    *parents, last = path.split(".")
    target: Any = operations
    try:
        for key in parents:
            target = target[int(key) if isinstance(target, list) else key]
        index = int(last) if isinstance(target, list) else last
        if target[index] is not None:
            raise KeyError(index)
        target[index] = upload
    except (KeyError, IndexError, ValueError, TypeError):
        raise BadRequest(
            f"`map` puts a file at {path!r}, where `operations` has no null."
        ) from None


def _media_type(headers: Headers) -> str:
    return headers.get("content-type", "").partition(";")[0].strip().lower()
