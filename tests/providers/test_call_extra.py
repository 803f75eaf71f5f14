"""A call request's vendor options read from `extra` into each vendor's typed options: what
the client did not set is the default, a wrong type is the input field's BAD_INPUT."""

from __future__ import annotations

import pytest

from callboard.domain.calls import AgentType
from callboard.domain.errors import BadInput
from callboard.providers.lirax.call_options import LiraxCallOptions
from callboard.providers.while1.call_options import While1CallOptions


def test_nothing_set_is_every_default() -> None:
    assert While1CallOptions.from_extra({}) == While1CallOptions()
    assert LiraxCallOptions.from_extra({}) == LiraxCallOptions()


def test_each_vendor_reads_its_own_and_ignores_the_others() -> None:
    extra = {"shop_id": 7, "agent_type": AgentType.QUEUE, "variables": {"A": "1"}}
    assert LiraxCallOptions.from_extra(extra) == LiraxCallOptions(shop_id=7)
    assert While1CallOptions.from_extra(extra) == While1CallOptions(
        agent_type=AgentType.QUEUE, variables={"A": "1"}
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"agent_type": "queue"}, "agentType"),
        ({"caller_id_name": 5}, "callerIdName"),
        ({"outbound_number": 40212345678}, "outboundNumber"),
        ({"wait_for_answer": "yes"}, "waitForAnswer"),
        ({"variables": {"A": 1}}, "variables"),
        ({"variables": ["A"]}, "variables"),
    ],
)
def test_a_wrong_type_is_refused_naming_the_input_field(
    extra: dict[str, object], field: str
) -> None:
    with pytest.raises(BadInput) as error:
        While1CallOptions.from_extra(extra)
    assert error.value.field == field
    assert f"`{field}` must be" in error.value.message


@pytest.mark.parametrize("shop", ["7", 7.0, True])
def test_a_shop_is_a_whole_number(shop: object) -> None:
    with pytest.raises(BadInput) as error:
        LiraxCallOptions.from_extra({"shop_id": shop})
    assert error.value.field == "shopId"
    assert error.value.message == "`shopId` must be a whole number."
