"""Explorables of chapters 17–18 (attention, a small transformer); reached as
``nb.explore.<name>``. Built on ``_widgets._explorable`` like explore.py's."""

from __future__ import annotations

__all__: list[str] = []
