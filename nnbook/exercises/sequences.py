"""Exercises of chapters 15 (recurrent networks) and 16 (gated cells)."""
