"""Explorables of Part II (chapters 11–13); reached as ``nb.explore.<name>``. Built on
``_widgets._explorable`` like explore.py's; their static figures are in
``explore_part2_figures``."""

from __future__ import annotations

__all__: list[str] = []
