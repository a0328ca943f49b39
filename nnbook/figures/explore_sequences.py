"""Explorables of chapters 15–16 (recurrent networks, gated cells); reached as
``nb.explore.<name>``. Built on ``_widgets._explorable`` like explore.py's."""

from __future__ import annotations

__all__: list[str] = []
