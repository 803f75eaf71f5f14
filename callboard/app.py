"""The ASGI application: /graphql (HTTP, GraphiQL, WebSocket), /webhooks/{providerId}, /healthz,
/metrics."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from graphql import OperationDefinitionNode
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import (
    GRAPHQL_SSE_PROTOCOL,
    GRAPHQL_TRANSPORT_WS_PROTOCOL,
    GRAPHQL_WS_PROTOCOL,
    MULTIPART_SUBSCRIPTION_PROTOCOL,
)
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from callboard.auth import LOCAL, authenticate, authorization_of
from callboard.compiled import CompiledQueries
from callboard.domain.errors import Unauthenticated
from callboard.graphiql import ASSETS_PATH, graphiql_assets, graphiql_page
from callboard.graphql_requests import (
    BAD_REQUEST,
    BadRequest,
    error_response,
    limit_body,
    read_operation,
    too_large,
)
from callboard.housekeeping import Housekeeping
from callboard.http_protocol import OneWriteHttpProtocol
from callboard.live.audiences import LiveAudiences, LiveFramesHandler
from callboard.live.frames import FrameWritingProtocol
from callboard.live.protocols import CallboardWebSocket, LegacyWSHandler
from callboard.live.shared_results import SharedResults, SharingExecutor, encode_shared
from callboard.logs import hide_query_strings
from callboard.observability.metrics import mark_process_dead, observe_graphql
from callboard.observability.routes import metrics_endpoint, observed_webhooks
from callboard.outbound.worker import OutboundWorker
from callboard.rate_limits import RATE_LIMITED, RateLimits
from callboard.request_body import BodyTooLarge
from callboard.resolvers.loaders import Loaders
from callboard.robocall_polling import RobocallPolling
from callboard.runtime import Runtime
from callboard.schema import CallboardSchema, build_schema
from callboard.schema.context import Context
from callboard.settings import Settings
from callboard.webhooks import receive_webhook

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

    from callboard.observability.tracing import Telemetry

__all__ = ["create_app", "server_options", "tune_garbage_collection"]

SUBSCRIBE_HOW = (
    "A subscription is not answered with one HTTP response: subscribe over WebSocket "
    "(graphql-transport-ws at /graphql), or ask for a stream over HTTP with "
    '`Accept: multipart/mixed;subscriptionSpec="1.0"` (Apollo Client\'s HttpLink) or '
    "`Accept: text/event-stream` (GraphQL over SSE)."
)


class _RequestAdapter(StarletteRequestAdapter):
    """Strawberry's view of a request, keeping the request for `read_operation`."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.request = request


class CallboardGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view, with Callboard's clients: a key per request or connection."""

    # graphql-transport-ws operations may have their live events written straight to the
    # connection (live/audiences.py)
    graphql_transport_ws_handler_class = LiveFramesHandler
    graphql_ws_handler_class = LegacyWSHandler
    websocket_adapter_class = CallboardWebSocket
    request_adapter_class = _RequestAdapter

    def __init__(self, settings: Settings, telemetry: Telemetry | None = None) -> None:
        # A live event is executed once for all subscribers sending the same document.
        schema = build_schema(
            settings.graphql,
            executor=SharingExecutor,
            extensions=telemetry.schema_extensions() if telemetry else (),
        )
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphql.graphiql else None,
            # Over WebSocket, and over HTTP for clients that cannot open one: Apollo
            # Client's multipart subscriptions, GraphQL over SSE (distinct connections).
            subscription_protocols=(
                GRAPHQL_TRANSPORT_WS_PROTOCOL,
                GRAPHQL_WS_PROTOCOL,
                MULTIPART_SUBSCRIPTION_PROTOCOL,
                GRAPHQL_SSE_PROTOCOL,
            ),
            # Both protocols (live/protocols.py; strawberry's applies to the newer only)
            connection_init_wait_timeout=timedelta(seconds=settings.server.websocket_init_timeout),
            # Audio files for createAudioRecord (the GraphQL multipart request spec). Safe
            # from cross-site forms: every request needs the Authorization header.
            multipart_uploads_enabled=True,
        )
        self.settings = settings
        # Each client's requests and WebSocket operations (live/protocols.py reads it).
        self.rate_limits = RateLimits(settings.clients)
        # What a request's persisted document hash stands for (schema/persisted_documents.py)
        self.persisted = schema.persisted
        self._documents = schema.documents
        # Queries seen before, run from a plan built for them (compiled/).
        self.compiled = CompiledQueries(schema) if settings.graphql.compiled else None
        # Set by `attach` when the app starts.
        self.runtime: Runtime | None = None
        self.shared_results: SharedResults | None = None
        self.live_audiences: LiveAudiences | None = None

    def attach(self, runtime: Runtime) -> None:
        """Serve with `runtime`. Live events' results are kept per running app: event
        ids are unique to its store only."""
        self.runtime = runtime
        self.shared_results = SharedResults()
        self.live_audiences = LiveAudiences(
            buffer=self.settings.events.subscriber_buffer,
            # Passes running late may shorten their pauses only where they do not hold
            # up the webhooks' transactions (see live/audiences.py's _PACE_BEHIND).
            catch_up=not runtime.store.transactions_on_the_loop,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        started = time.perf_counter()
        status = await self._answer(scope, receive, send)
        if status is not None:
            state = scope.get("state", {})
            operation: GraphQLRequestData | None = state.get("graphql_operation")
            if operation is not None and operation.protocol != "http":
                return  # a subscription's stream: its length is the client's, not ours
            outcome = "refused" if status >= 400 else state.get("graphql_outcome", "ok")
            name = self._operation_name(operation) if outcome != "refused" else None
            observe_graphql(name, outcome, time.perf_counter() - started)

    def _operation_name(self, operation: GraphQLRequestData | None) -> str | None:
        """The name of the operation a request ran: its `operationName`, else the name of
        its document's one operation (a client sending no name, as curl does)."""
        if operation is None or operation.operation_name is not None or not operation.query:
            return operation.operation_name if operation else None
        entry = self._documents.valid(operation.query)
        if entry is None or entry.operations != 1:
            return None
        for definition in entry.document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                return definition.name.value if definition.name else None
        return None

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> int | None:
        """Answer one HTTP request; its status (None: GraphiQL's page, not counted)."""
        request = Request(scope)
        page = _wants_graphiql(request)
        if not page:
            # Refused before the body is read: no key, no work.
            try:
                caller = authenticate(self.settings, request.headers.get("authorization"))
            except Unauthenticated as exc:
                refused = error_response(
                    exc.message,
                    exc.code,
                    401,
                    headers={"WWW-Authenticate": 'Bearer realm="callboard"'},
                )
                await refused(scope, receive, send)
                return refused.status_code
            scope.setdefault("state", {})["caller"] = caller
            if limited := await self.rate_limits.admit(caller):
                retry = {"Retry-After": str(limited.retry_after)}
                await error_response(limited.message, RATE_LIMITED, 429, headers=retry)(
                    scope, receive, send
                )
                return 429
        # Strawberry answers a request it cannot run in plain text; Callboard with a
        # GraphQL error body.
        response: Response
        try:
            request = Request(scope, limit_body(request.headers, receive, self.settings.graphql))
            response = await self._compiled_response(request) or await self.run(request)
        except BodyTooLarge as exc:
            response = error_response(too_large(exc), BAD_REQUEST, 413)
        except BadRequest as exc:
            response = error_response(exc.message, exc.code, exc.status)
            # (PersistedQueryNotFound is a 200: never to be kept either)
            scope.setdefault("state", {})["graphql_errors"] = True
        except HTTPException as exc:
            response = error_response(exc.reason, BAD_REQUEST, exc.status_code)
        if request.method == "GET" and response.media_type == "application/json":
            response.headers["Cache-Control"] = self._cache_control(request, response)
            # An answer is its client's: a cache keeps one per key.
            response.headers["Vary"] = "Authorization"
        try:
            await response(scope, receive, send)
        finally:
            await request.close()  # an upload's files
        return None if page else response.status_code

    async def render_graphql_ide(self, request: Request) -> Response:
        # Callboard's own GraphiQL page and files (graphiql/), not strawberry's CDN page.
        return graphiql_page(self.settings)

    async def _compiled_response(self, request: Request) -> Response | None:
        """The answer of the compiled path, for a query it covers (None: the general
        path answers). Uploads are mutations: never compiled."""
        if (
            self.compiled is None
            or _media_type(request) == "multipart/form-data"
            or self._streams(request)
        ):
            return None
        if request.method == "GET" and not _sends_document(request.query_params):
            return None
        operation = await self._operation(request)
        if operation.query is None:
            return None
        body = await self.compiled.run(
            operation.query,
            operation.variables,
            operation.operation_name,
            self._context(request, None),
        )
        return None if body is None else Response(_json(body), media_type="application/json")

    async def _operation(self, request: Request) -> GraphQLRequestData:
        # Read once, whichever path runs it.
        state = request.scope.setdefault("state", {})
        found: GraphQLRequestData | None = state.get("graphql_operation")
        if found is None:
            found = await read_operation(
                request,
                self.settings.graphql,
                self.persisted,
                uploads=self.multipart_uploads_enabled,
            )
            if transport := self._get_stream_transport_from_headers(request.headers):
                # Its Accept header asks for a stream (multipart/mixed, text/event-stream)
                found = dataclasses.replace(found, protocol=transport.protocol)
            state["graphql_operation"] = found
        return found

    def _cache_control(self, request: Request, response: Response) -> str:
        """A GET query's answer may be kept by the client's own cache (the browser's,
        `private`: answers depend on the client's key and scope, so a shared cache must
        not hand them to another client); an answer with errors never (a vendor outage, a
        persisted document not found yet)."""
        max_age = self.settings.graphql.cache_max_age
        errors = request.scope.get("state", {}).get("graphql_errors", False)
        if response.status_code != 200 or errors or not max_age:
            return "no-store"
        return f"private, max-age={max_age}"

    def _streams(self, request: Request) -> bool:
        """Whether `request` asks for its result as a stream (an HTTP subscription)."""
        return self._get_stream_transport_from_headers(request.headers) is not None

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Any,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        # strawberry's, but a request not asking for a stream gets one result: a
        # subscription there ran as a query (an INTERNAL error), now it is told how to
        # subscribe instead.
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        try:
            result = await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise BadRequest(SUBSCRIBE_HOW) from None
            raise BadRequest(exc.as_http_error_reason(request_adapter.method)) from None
        except CannotGetOperationTypeError as exc:
            raise BadRequest(exc.as_http_error_reason()) from None
        if result.errors:
            # The request's outcome in the metrics: a document that never ran (it did
            # not parse or validate) was refused, one that ran with errors erred.
            outcome = "refused" if isinstance(result, PreExecutionError) else "error"
            request.scope.setdefault("state", {})["graphql_outcome"] = outcome
        return result

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            request.scope.setdefault("state", {})["graphql_errors"] = True  # (_cache_control)
        return await super().process_result(request, result)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        # A GET with a persisted document's hash and no `query` is an operation too.
        return super().should_render_graphql_ide(request) and not _sends_document(
            request.query_params
        )

    async def parse_http_body(self, request_adapter: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
        # Every request is read and checked here (graphql_requests.py), not by strawberry.
        assert isinstance(request_adapter, _RequestAdapter)
        return await self._operation(request_adapter.request)

    def encode_json(self, data: object) -> str | bytes:
        # A live event's result is encoded once for every subscriber sharing it; every
        # other answer as the compiled path encodes its own, byte for byte.
        # (text: a WebSocket message must be a text frame)
        found = encode_shared(data) or _json(data)
        return found if isinstance(found, str) else found.decode()

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return self._context(request, response)

    def _context(self, request: Request | WebSocket, response: Any) -> Context:
        assert self.runtime is not None, "the app's lifespan has not started"
        if isinstance(request, WebSocket):
            caller = LOCAL if self.settings.open_access else None  # set on connection_init
        else:
            caller = request.scope.get("state", {}).get("caller")
        # A subscription's loaders read afresh for every event: a connection's, or an
        # HTTP request's streamed answer.
        live = isinstance(request, WebSocket) or self._streams(request)
        return Context(
            runtime=self.runtime,
            loaders=Loaders(self.runtime, cache=not live),
            caller=caller,
            request=request,
            response=response,
            shared_results=self.shared_results,
            live_audiences=self.live_audiences,
        )

    async def on_ws_connect(self, context: Context) -> None:
        if self.settings.open_access:
            return
        try:
            context.caller = authenticate(
                self.settings, authorization_of(context.connection_params)
            )
        except Unauthenticated as exc:
            raise ConnectionRejectionError({"message": exc.message, "code": exc.code}) from None


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _json(data: object) -> bytes | str:
    """orjson's encoding; the standard library's for what orjson refuses (an integer
    wider than 64 bits in a vendor's payload). Datetimes (the compiled path leaves
    them) as orjson writes them: isoformat()'s text."""
    try:
        return orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=_isoformat)


def _isoformat(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


# What names the document of a GET request: the document, or a persisted one's hash.
_DOCUMENT_PARAMETERS = ("query", "documentId", "extensions")


def _sends_document(params: Mapping[str, object]) -> bool:
    return any(name in params for name in _DOCUMENT_PARAMETERS)


def _wants_graphiql(request: Request) -> bool:
    return (
        request.method == "GET"
        and not _sends_document(request.query_params)
        and "text/html" in request.headers.get("accept", "")
    )


def server_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options the API runs with (`serve`, `demo`, the tests): pass them to
    `uvicorn.run` or `uvicorn.Config` when serving `create_app` yourself."""
    return {
        # Forwarded addresses are believed only from [server] trusted_proxies (below).
        "proxy_headers": False,
        # Live events written once per audience (live/audiences.py).
        "ws": FrameWritingProtocol,
        # Each response in one send (http_protocol.py).
        "http": OneWriteHttpProtocol,
        "ws_per_message_deflate": settings.server.websocket_compression,
        "access_log": settings.server.access_log,
    }


def tune_garbage_collection() -> None:
    """Fewer, cheaper collections, for a process that serves (callboard serve, demo).
    With the default threshold (700 allocations) a busy fan-out ran the cyclic collector
    constantly, and its full passes over every live object were the slowest deliveries:
    bench_events, 100 subscribers at 50 webhooks/s, p99 81 ms -> 18 ms. What exists once
    the app is built (modules, schema) is frozen out of the collector's way. Not in
    create_app: a process building many apps (the tests) would freeze each one's
    objects for good."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 1_000)


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    clock: Callable[[], datetime] | None = None,
    span_exporter: SpanExporter | None = None,
) -> Starlette:
    """The whole API for `settings`; `transports` replace a provider's network, `clock`
    the time outgoing webhooks' retries are scheduled by, and `span_exporter` the OTLP
    exporter of `[telemetry]` (tests)."""
    telemetry: Telemetry | None = None
    if settings.telemetry.otlp_endpoint or span_exporter is not None:
        # Imported only then: the SDK, its exporter and protobuf are not small.
        from callboard.observability.tracing import Telemetry

        telemetry = Telemetry.configure(settings.telemetry, span_exporter)
    graphql = CallboardGraphQL(settings, telemetry)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        hide_query_strings()  # after the server set up its loggers
        runtime = await Runtime.start(settings, transports)
        app.state.runtime = runtime
        graphql.attach(runtime)
        if telemetry is not None:
            telemetry.instrument(p.context.http for p in runtime.providers.values())
            runtime.bus.tracer = telemetry.tracer
        housekeeping = Housekeeping(runtime)
        polling = RobocallPolling(runtime)
        # Subscriptions delivered as webhooks (callboard/outbound/), executed by the schema
        # the WebSocket subscribers' are.
        assert isinstance(graphql.schema, CallboardSchema)
        outbound = app.state.outbound = OutboundWorker(runtime, graphql.schema, clock=clock)
        try:
            await housekeeping.start()
            await outbound.start()
            polling.start()
            yield
        finally:
            await polling.stop()
            await outbound.stop()
            await housekeeping.stop()
            await runtime.close()
            mark_process_dead()
            if telemetry is not None:
                await asyncio.to_thread(telemetry.shutdown)  # what is batched, exported

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            # GET too: some vendors (While1's PBX) notify with GET requests.
            Route(
                "/webhooks/{provider_id}",
                observed_webhooks(receive_webhook, telemetry),
                methods=["GET", "POST"],
            ),
            Route("/healthz", healthz, methods=["GET"]),
            *([Mount(ASSETS_PATH, graphiql_assets())] if settings.graphql.graphiql else []),
            *(
                [Route("/metrics", metrics_endpoint(settings.metrics), methods=["GET"])]
                if settings.metrics.enabled
                else []
            ),
        ],
        middleware=[
            *(
                # The client address the webhook allow-lists see: the peer's, or behind a
                # configured proxy the right-most address that proxy vouches for.
                [Middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted))]
                if (trusted := settings.server.trusted_proxies)
                else []
            ),
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.server.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
                # A browser frontend may read how long to wait after a 429.
                expose_headers=["Retry-After"],
            ),
        ],
        lifespan=lifespan,
    )
