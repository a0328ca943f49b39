"""Exercises of chapters 17 (embeddings and attention) and 18 (a small transformer)."""
