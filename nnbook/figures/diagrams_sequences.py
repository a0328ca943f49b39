"""Schematic diagrams of chapters 15–16 (recurrent networks, gated cells), drawn from
the cell's own sizes; reached as ``nb.diagrams.<name>``."""

from __future__ import annotations

__all__: list[str] = []
