"""Schematic diagrams of chapters 17–18 (embeddings, attention, the transformer block),
drawn from the cell's own sizes; reached as ``nb.diagrams.<name>``."""

from __future__ import annotations

__all__: list[str] = []
