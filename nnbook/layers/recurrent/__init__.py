"""Recurrent layers (chapters 15–16): ``RNN`` (rnn.py), ``LSTM`` and ``GRU``."""

from .rnn import RNN
from .lstm import LSTM
from .gru import GRU

__all__ = ["RNN", "LSTM", "GRU"]
