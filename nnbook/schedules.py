"""Learning-rate schedules for ``nb.callbacks.LearningRateScheduler`` (chapter 11),
under the name learners import: ``from nnbook.schedules import cosine_decay`` or
``nb.schedules.cosine_decay``. The code lives in nnbook/training/schedules.py.
"""

from .training.schedules import cosine_decay, exponential_decay, step_decay

__all__ = ["step_decay", "exponential_decay", "cosine_decay"]
