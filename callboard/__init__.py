"""Callboard: one GraphQL API in front of many telephony vendors."""

__version__ = "0.1.0"
