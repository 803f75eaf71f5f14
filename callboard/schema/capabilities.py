"""Which GraphQL operations each capability opens, as the areas say (providers/areas/).

The README's capability matrix and `Provider.operations` are made from this table and
the areas each provider kind inherits, so neither can drift from the code; a test checks
every name here exists in the schema.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from callboard.domain.capabilities import Capability
from callboard.providers.areas import AREAS
from callboard.providers.registry import provider_class

__all__ = ["OPERATIONS", "matrix", "operations_of"]

# Each area names its capability and the operations it opens (providers/areas/).
OPERATIONS: dict[Capability, tuple[str, ...]] = {area.capability: area.operations for area in AREAS}


@functools.cache
def operations_of(capabilities: frozenset[Capability]) -> list[str]:
    """The GraphQL operations a provider with these capabilities serves, in table order
    (cached: `Provider` is resolved for every call a page shows)."""
    ops = (op for capability, ops in OPERATIONS.items() if capability in capabilities for op in ops)
    return list(dict.fromkeys(ops))  # `numbers` is opened by two capabilities


def matrix(kinds: Sequence[str]) -> str:
    """The capability matrix as a Markdown table: a row per capability some kind declares,
    a column per kind."""
    declared = {kind: provider_class(kind).capabilities for kind in kinds}
    lines = [
        "| capability | GraphQL | " + " | ".join(f"`{k}`" for k in kinds) + " |",
        "|---|---|" + "---|" * len(kinds),
    ]
    for capability, ops in OPERATIONS.items():
        if not any(capability in declared[k] for k in kinds):
            continue  # its operations come with the first kind that declares it
        marks = " | ".join("✓" if capability in declared[k] else "" for k in kinds)
        names = ", ".join(f"`{op}`" for op in ops)
        lines.append(f"| `{capability.name}` | {names} | {marks} |")
    return "\n".join(lines) + "\n"
