"""The PyTorch module ``to_torch`` gives chapter 26's ``TimeEmbedding``, which ``torch.nn``
does not have: ``x[:, :-1]`` beside the sines and cosines of the time in the last column.
_modules.py re-exports it; only the bridge imports this module, when it is first used.
"""

import torch

__all__ = ["TimeEmbedding"]


class TimeEmbedding(torch.nn.Module):
    """(m, d + 1) → (m, d + 2K): ``cat(x[:, :d], sin(t·freqs), cos(t·freqs))`` with t the
    last column; ``freqs`` (K,) is a buffer, nnbook's ``TimeEmbedding.freqs``."""

    def __init__(self, d, freqs, dtype=None):
        super().__init__()
        self.d = d
        self.register_buffer("freqs", torch.as_tensor(freqs, dtype=dtype))

    def forward(self, x):
        angle = x[:, self.d:] * self.freqs
        return torch.cat([x[:, :self.d], torch.sin(angle), torch.cos(angle)], dim=1)
