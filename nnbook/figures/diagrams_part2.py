"""Schematic diagrams of Part II (chapters 11–13), drawn from the cell's own numbers:
momentum's and Nesterov's steps as vectors on the loss surface (11), a network with
the units one mini-batch's dropout masks switched off (12), and the values each mean
and variance of batch normalisation is taken over (13). Reached as ``nb.diagrams.<name>``.
"""

from __future__ import annotations

__all__: list[str] = []
