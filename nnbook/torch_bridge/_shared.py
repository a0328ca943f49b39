"""What every part of the PyTorch bridge (extra notebook ``moving_on_to_pytorch``)
shares: the install command, the lazy torch import, and the state that
``to_torch`` and ``from_torch`` carry from one layer to the next.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TORCH_INSTALL", "import_torch", "to_numpy", "fail_at", "ToTorch", "FromTorch"]

TORCH_INSTALL = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"


def import_torch():
    """torch and the bridge's layout modules, or an ImportError that says how to install."""
    try:
        import torch
    except ImportError:
        raise ImportError(
            "nnbook's PyTorch bridge (to_torch/from_torch) needs PyTorch, which is not installed. "
            f"Install the CPU build the course is tested with: `{TORCH_INSTALL}` (a plain "
            "`pip install torch` on Linux also downloads several GB of CUDA libraries)."
        ) from None
    from . import _modules as torch_layers
    return torch, torch_layers


def to_numpy(t):
    """A PyTorch tensor's values as a NumPy array (parameters, buffers)."""
    return t.detach().cpu().numpy()


def fail_at(i, m, why):
    """from_torch's error about module ``i`` of the flattened Sequential."""
    raise ValueError(f"from_torch: module {i} {m} {why}")


class ToTorch:
    """``to_torch``'s state while it walks an nnbook model: the PyTorch modules
    so far and the layout of the data between them. A layer's mapping (a
    function ``(layer, out) -> module or [modules]``) reads ``out.nn`` and
    ``out.dtype``, asks for the layout it needs, and copies weights with ``out.copy``.

    Attributes:
        channels_first: whether PyTorch holds NCHW where nnbook holds NHWC.
        i, layer: the layer being mapped and its index, for error messages.
    """

    def __init__(self, torch, torch_layers, model):
        self.torch, self.nn, self.tl, self.model = torch, torch.nn, torch_layers, model
        self.dtype = {np.dtype(np.float64): torch.float64, np.dtype(np.float32): torch.float32}[model.dtype]
        self.modules, self.channels_first = [], False
        self.made = {}                    # id(nnbook layer) → the PyTorch module(s) made for it
        self.i = self.layer = None

    def build(self, make):
        """``make()``, a module whose weights are copied in next, without touching PyTorch's
        random state (the draws of its init are overwritten anyway)."""
        with self.torch.random.fork_rng(devices=[]):
            return make()

    def copy(self, param, array):
        """``param`` (a torch parameter or buffer) takes the values of ``array``."""
        with self.torch.no_grad():
            param.copy_(self.torch.from_numpy(np.ascontiguousarray(array)))

    def channels_first_now(self):
        """For an image layer: NHWC → NCHW here, unless the data is channels first already."""
        if not self.channels_first:
            self.modules.append(self.tl.NHWCToNCHW())
            self.channels_first = True

    def channels_last_now(self):
        """Back to nnbook's NHWC here (before Flatten and at the end), if the data is NCHW."""
        if self.channels_first:
            self.modules.append(self.tl.NCHWToNHWC())
            self.channels_first = False

    def fail(self, why):
        raise ValueError(f"to_torch: layer {self.i} {self.layer!r} {why}")


class FromTorch:
    """``from_torch``'s state while it walks a PyTorch model. A module's mapping
    (a function ``(m, inp) -> layer``) reads ``inp.dtype`` and may read or change:

    Attributes:
        layout: ``"same"`` (torch holds what nnbook holds), ``"nchw"`` (images
            channels first) or ``"chw"`` (vectors flattened from NCHW maps;
            nnbook's are flattened from NHWC).
        shape: the shape of one sample here, as far as known (else None).
        flat: after a Flatten in ``"chw"``: the (h, w, c) that was flattened.
        same_pad: a ``SamePad2d`` waiting for its Conv2d, or None.
        recurrent: an ``nn.RNN``/``LSTM``/``GRU`` waiting for its ``LastStep`` or ``AllSteps``, or None.
        i, m: the module being mapped and its index, for error messages.
    """

    def __init__(self, torch, torch_layers, dtype, layout, shape):
        self.torch, self.nn, self.tl, self.dtype = torch, torch.nn, torch_layers, dtype
        self.layout, self.shape, self.flat, self.same_pad = layout, shape, None, None
        self.recurrent = None
        self.built = []                   # (PyTorch module, nnbook layer) so far
        self.i = self.m = None

    def fail(self, why):
        fail_at(self.i, self.m, why)
