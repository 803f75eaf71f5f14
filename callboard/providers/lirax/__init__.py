"""LiraX (PBX + CRM integration API): client, mapping, webhooks, and the provider."""
