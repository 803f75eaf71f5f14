"""Zvonobot (and its white-labelled twins): robocalls with IVR trees, audio records, templates."""
