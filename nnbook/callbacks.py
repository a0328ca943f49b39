"""The callbacks ``fit(callbacks=[...])`` runs at fixed moments of training (chapters 10
and 11), under the name learners import: ``from nnbook.callbacks import EarlyStopping``
or ``nb.callbacks.EarlyStopping``. The code lives in nnbook/training/ (``SampleText`` in nnbook/inference/text.py).
"""

from .training.callback_base import Callback, CallbackList
from .inference.text import SampleText
from .training.callbacks import LearningRateScheduler
from .training.monitoring import EarlyStopping, ModelCheckpoint

__all__ = ["Callback", "CallbackList", "EarlyStopping", "ModelCheckpoint",
           "LearningRateScheduler", "SampleText"]
