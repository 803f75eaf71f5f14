"""Each response object of a selection made by one function generated for it.

A column of the source row converted to its JSON value is read inside the function; the
other fields' values (a nested object, a list, a resolver's) are computed for the whole
level first and passed in. So a page's 600 objects cost 600 calls of a plain function
making a dict display: measured against a value list per field and a dict made of them,
about half the time of the level.
"""

from __future__ import annotations

from typing import Any

from callboard.compiled.fields import Column
from callboard.compiled.plan import FieldPlan, Selection

__all__ = ["finish"]


def finish(selection: Selection) -> None:
    """Give `selection` and every selection below it their makers (once the plan is
    whole: the rows' layouts are bound)."""
    for field in selection.fields:
        if field.selection is not None:
            finish(field.selection)
    namespace: dict[str, Any] = {}
    arguments = ["source"]
    items = []
    computed: list[FieldPlan] = []
    for i, field in enumerate(selection.fields):
        # The keys are GraphQL names (plan.py checks they are identifiers): written as
        # literals with repr(), like the type names.
        key = repr(field.key)
        impl = field.impl
        if field.definition is None:  # __typename
            items.append(f"{key}: {selection.type.name!r}")
        elif _inlined(field):
            assert isinstance(impl, Column)
            at = field.indexes[impl.columns[0]]
            if impl.convert is None:
                value = f"source[{at}]"
            else:
                namespace[f"convert{i}"] = impl.convert
                value = (
                    f"convert{i}(source[{at}])"
                    if not impl.nullable
                    else f"(None if (x{i} := source[{at}]) is None else convert{i}(x{i}))"
                )
            items.append(f"{key}: {value}")
        else:
            computed.append(field)
            arguments.append(f"value{i}")
            items.append(f"{key}: value{i}")
    selection.computed = computed
    code = f"lambda {', '.join(arguments)}: {{{', '.join(items)}}}"
    selection.make = eval(code, namespace)  # noqa: S307 - built of names and literals above


def _inlined(field: FieldPlan) -> bool:
    """A column read and converted inside the maker: a leaf that needs no check (a
    non-null field of a column that may hold NULL is checked with the level instead)."""
    impl = field.impl
    return isinstance(impl, Column) and field.plain and not (field.non_null and impl.nullable)
