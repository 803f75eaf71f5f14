"""The command line: `callboard serve --config FILE`, `callboard demo`, `callboard schema`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="callboard", description="One GraphQL API in front of many telephony vendors."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API with a configuration file")
    serve.add_argument(
        "--config",
        default=os.environ.get("CALLBOARD_CONFIG"),
        help="the TOML configuration (default: $CALLBOARD_CONFIG)",
    )
    demo = commands.add_parser("demo", help="run the API with every vendor simulated locally")
    demo.add_argument("--host", default="127.0.0.1", help="a loopback address (default 127.0.0.1)")
    demo.add_argument("--port", type=int, default=8000, help="the API's port (default 8000)")
    demo.add_argument(
        "--step-delay", type=float, default=1.5, help="seconds between a simulated call's steps"
    )
    commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    commands.add_parser(
        "capabilities", help="print which operations each provider kind serves (Markdown)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request's full URL at INFO, and a vendor URL may carry a secret.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    from callboard.settings import ConfigError

    try:
        if args.command == "schema":
            from callboard.schema import build_schema

            print(build_schema().as_str())
        elif args.command == "capabilities":
            from callboard.providers.registry import known_kinds
            from callboard.schema.capabilities import matrix

            print(matrix(known_kinds()), end="")
        elif args.command == "demo":
            from callboard.settings import ServerSettings

            if not ServerSettings(host=args.host).is_loopback:
                raise ConfigError(
                    f"--host {args.host}: the demo has no client keys, so it listens on "
                    "loopback only; use 127.0.0.1 (or `callboard serve` with [[clients]])."
                )
            from callboard.demo import run_demo

            run_demo(args.host, args.port, args.step_delay)
        else:
            return _serve(args.config)
    except ConfigError as exc:
        print(f"callboard: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.errno in (98, 48):  # address in use (Linux, macOS)
            print(
                f"callboard: the port is already in use ({exc.strerror}); pick another with "
                "--port, or stop the program holding it.",
                file=sys.stderr,
            )
            return 2
        raise
    except KeyboardInterrupt:
        return 0
    return 0


def _serve(config: str | None) -> int:
    import uvicorn

    from callboard.app import create_app, server_options, tune_garbage_collection
    from callboard.settings import ConfigError, load_settings

    if not config:
        raise ConfigError("no configuration: pass --config FILE or set CALLBOARD_CONFIG.")
    settings = load_settings(config)
    if settings.open_access:
        logging.getLogger("callboard").warning(
            "no [[clients]] configured: the API is open to anyone who reaches %s:%s",
            settings.server.host,
            settings.server.port,
        )
    app = create_app(settings)
    tune_garbage_collection()
    uvicorn.run(
        app,
        host=settings.server.host,
        port=settings.server.port,
        log_level="info",
        **server_options(settings),
    )
    return 0
