"""How the bridge maps chapter 26's ``TimeEmbedding`` both ways, to the ``TimeEmbedding``
module of _modules_generative.py (a denoiser's other layers are Dense and SiLU, mapped by
map_core.py and map_modern.py).
"""

from __future__ import annotations

import numpy as np

from ..generative.time_embedding import TimeEmbedding
from ._shared import to_numpy

__all__ = ["TO_TORCH", "FROM_TORCH"]


def time_embedding_to_torch(layer, out):
    return out.tl.TimeEmbedding(layer.d, layer.freqs, dtype=out.dtype)


def time_embedding_from_torch(m, inp):
    freqs = to_numpy(m.freqs).astype(np.float64)
    k = len(freqs)
    layer = TimeEmbedding(m.d, k, max_freq=float(freqs[-1]))
    if not np.allclose(layer.freqs, freqs, rtol=1e-6):
        inp.fail(f"has frequencies {np.round(freqs, 4).tolist()}; nnbook's TimeEmbedding "
                 f"spaces them geometrically from 1 to max_freq.")
    return layer


TO_TORCH = {TimeEmbedding: time_embedding_to_torch}
FROM_TORCH = {"TimeEmbedding": time_embedding_from_torch}
