"""Log hygiene: what must never reach a log line.

Webhook URLs carry a secret in their query (Zvonobot cannot sign, so the URL Callboard
hands it holds a key); uvicorn's access log writes the full path of every request. The
filter here drops query strings from access-log lines.
"""

from __future__ import annotations

import logging

__all__ = ["QueryStringFilter", "hide_query_strings"]


class QueryStringFilter(logging.Filter):
    """uvicorn.access records are (client, method, path?query, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, mark, _ = args[2].partition("?")
            if mark:
                record.args = (*args[:2], f"{path}?…", *args[3:])
        return True


def hide_query_strings() -> None:
    """Install the filter on uvicorn's access logger (once; safe to call again)."""
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryStringFilter) for f in logger.filters):
        logger.addFilter(QueryStringFilter())
