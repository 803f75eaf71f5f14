"""Twin24: incoming-number rules (incomingRules batch), JWT login, incoming-call webhooks."""
