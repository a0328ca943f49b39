"""How the bridge maps the regularisation layers of chapters 12 and 13 both ways:
Dropout ↔ Dropout, BatchNorm ↔ BatchNorm1d (vectors) or BatchNorm2d (images),
with the running statistics. ``mappings.py`` lists these functions.
"""

from __future__ import annotations

from ..layers.normalization.batchnorm import BatchNorm
from ..layers.dropout import Dropout
from ._shared import to_numpy

__all__ = ["TO_TORCH", "FROM_TORCH"]


# ---------------------------------------------------------------------------
# nnbook → PyTorch (out: _shared.ToTorch)

def dropout_to_torch(layer, out):
    m = out.nn.Dropout(p=layer.rate)
    m.train(bool(getattr(layer, "training", False)))
    return m


def batchnorm_to_torch(layer, out):
    if not out.channels_first and _sees_images(out.model, out.i):
        out.channels_first_now()
    nn = out.nn
    cls = nn.BatchNorm2d if out.channels_first else nn.BatchNorm1d
    m = cls(layer.n_features, eps=layer.eps, momentum=layer.momentum, dtype=out.dtype)
    out.copy(m.weight, layer.params["gamma"])
    out.copy(m.bias, layer.params["beta"])
    out.copy(m.running_mean, layer.buffers["running_mean"])
    out.copy(m.running_var, layer.buffers["running_var"])
    m.train(bool(getattr(layer, "training", False)))
    return m


def _sees_images(model, i) -> bool:
    """Whether layer ``i`` gets NHWC images (known only from the model's shapes)."""
    shape = model.input_shape if i == 0 else model.output_shapes()[i - 1]
    return shape is not None and len(shape) == 3


TO_TORCH = {Dropout: dropout_to_torch, BatchNorm: batchnorm_to_torch}


# ---------------------------------------------------------------------------
# PyTorch → nnbook (inp: _shared.FromTorch)

def dropout_from_torch(m, inp):
    return Dropout(m.p)


def batchnorm_from_torch(m, inp):
    if not (m.affine and m.track_running_stats) or m.momentum is None:
        inp.fail("has affine=False, track_running_stats=False or momentum=None; nnbook's BatchNorm "
                 "has γ, β and running statistics updated with a fixed momentum.")
    want = "nchw" if isinstance(m, inp.nn.BatchNorm2d) else "same"
    if inp.layout != want:
        inp.fail("normalises images channels first (BatchNorm2d) or vectors (BatchNorm1d); "
                 "here it gets " + {"nchw": "images", "same": "channels-last images or vectors",
                                    "chw": "vectors flattened channels first"}[inp.layout] + ".")
    layer = BatchNorm(m.num_features, momentum=m.momentum, eps=m.eps, dtype=inp.dtype)
    layer.params["gamma"][...] = to_numpy(m.weight)
    layer.params["beta"][...] = to_numpy(m.bias)
    layer.buffers["running_mean"][...] = to_numpy(m.running_mean)
    layer.buffers["running_var"][...] = to_numpy(m.running_var)
    return layer


FROM_TORCH = {"Dropout": dropout_from_torch, "BatchNorm1d": batchnorm_from_torch,
              "BatchNorm2d": batchnorm_from_torch}
