"""Subscriptions delivered as signed, retried webhooks: the worker, the sender, the signing."""
