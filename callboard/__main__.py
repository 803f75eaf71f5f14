"""Lets `python -m callboard` behave like the `callboard` command."""

from callboard.cli import main

raise SystemExit(main())
