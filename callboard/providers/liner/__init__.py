"""Liner: a call-center platform; Callboard creates its dialing orders."""
