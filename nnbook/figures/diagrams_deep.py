"""Diagrams of deep networks (chapter 06): a residual block, drawn from its sizes.
Reached as ``nb.diagrams.<name>``."""

from __future__ import annotations

__all__: list[str] = []
