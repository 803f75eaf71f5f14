"""Fake vendor servers that speak each vendor's wire format, for the demo and the tests."""
