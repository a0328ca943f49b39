"""Metrics of a classifier (chapter 10), under the name learners use:
``nb.metrics.accuracy`` and ``nb.metrics.confusion_matrix`` (``compile(metrics=["accuracy"])``
uses the same function). The code lives in nnbook/training/metrics.py.
"""

from .training.metrics import accuracy, confusion_matrix

__all__ = ["accuracy", "confusion_matrix"]
