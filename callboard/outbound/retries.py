"""What an attempt's outcome does to its delivery: done, given up, or tried again later
(backoff with jitter, within the retry window)."""

from __future__ import annotations

import random
from datetime import timedelta

from callboard.domain.webhook_endpoints import Attempt, Delivery, DeliveryStatus
from callboard.settings import OutboundSettings
from callboard.store.webhook_outbox import Settled

__all__ = ["settle"]

# Each wait is its schedule's value times 0.8 to 1.2: endpoints that failed together
# (a receiver's outage) are not all retried in the same second.
_JITTER = 0.2
# 4xx answers that say "later": tried again like a 5xx.
_RETRYABLE_4XX = {408, 429}


def settle(
    delivery: Delivery,
    attempt: Attempt,
    settings: OutboundSettings,
    *,
    rng: random.Random | None = None,
) -> tuple[Settled, str | None]:
    """The delivery's new state after `attempt`, and, when the retry window has run out,
    why its endpoint is disabled."""
    code = attempt.status_code
    if code is not None and 200 <= code < 300:
        return Settled(attempt, DeliveryStatus.SUCCEEDED, None, None), None
    if code is not None and 400 <= code < 500 and code not in _RETRYABLE_4XX:
        # The receiver refuses this delivery for good; the next ones still go.
        return Settled(attempt, DeliveryStatus.FAILED, None, None), None
    since = delivery.failing_since or attempt.at
    closes = since + timedelta(hours=settings.window_hours)
    if attempt.at >= closes:
        reason = (
            f"Deliveries failed for {settings.window_hours:g} h, since {since.isoformat()}; "
            f"the last: {attempt.error or 'HTTP ' + str(code)}. Fix the receiver, then "
            "enable the endpoint again (updateWebhookEndpoint): its waiting deliveries go then."
        )
        return Settled(attempt, DeliveryStatus.FAILED, None, since), reason
    schedule = settings.retry_schedule
    wait = schedule[min(delivery.attempts, len(schedule) - 1)]
    wait *= 1 + (rng or random).uniform(-_JITTER, _JITTER)
    upcoming = min(attempt.at + timedelta(seconds=wait), closes)
    return Settled(attempt, DeliveryStatus.PENDING, upcoming, since), None
