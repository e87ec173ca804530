"""Registrations of the sub-commands that live beside their stages (build, validate, query ...)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

REGISTRATIONS: list[Callable[[argparse._SubParsersAction], None]] = []  # type: ignore[type-arg]
