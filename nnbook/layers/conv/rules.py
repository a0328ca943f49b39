"""The rules ``Conv2D`` and the pools share: padding ("valid", Keras' "same", or p zeros
per side), output sizes and one input check. The public formulas (``output_size``,
``same_padding``) chapters 07–08 teach are ``nnbook.conv_impl``'s; the tests check that
both give the same numbers.
"""

from __future__ import annotations

import numpy as np

from ...conv_impl import same_padding
from ...validate import positive_int

PADDINGS = ("valid", "same")


# padding and sizes -----------------------------------------------------------------------------------
def check_padding(owner: str, padding):
    """``padding`` as an int ≥ 0, "valid" or "same", or a ValueError saying what is accepted."""
    if isinstance(padding, str):
        if padding.lower() in PADDINGS:
            return padding.lower()
        raise ValueError(f"{owner}: expected padding to be an integer ≥ 0, 'valid' or 'same', got "
                         f"{padding!r}. Use padding='same' to keep the image size (at stride 1).")
    try:
        return positive_int(owner, "padding", padding, minimum=0)
    except ValueError:
        raise ValueError(f"{owner}: expected padding to be an integer ≥ 0, 'valid' or 'same', got "
                         f"{padding!r}.") from None


def side_pads(n, f, stride, padding) -> tuple[int, int]:
    """(before, after) zeros on one axis of n pixels, for any of the three padding kinds."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        return same_padding(n, f, stride)
    return padding, padding


def pads_of(h, w, f, stride, padding) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) zeros for an h × w image."""
    return side_pads(h, f, stride, padding) + side_pads(w, f, stride, padding)


def out_size(n, f, stride, padding) -> int:
    """Windows on one axis: ⌊(n + before + after − f)/s⌋ + 1 (⌈n/s⌉ for "same")."""
    before, after = side_pads(n, f, stride, padding)
    return (n + before + after - f) // stride + 1


def padding_text(padding) -> str:
    return repr(padding) if isinstance(padding, str) else str(padding)


# the shared check --------------------------------------------------------------------------------------
def check_fits(layer, f, padding, h, w, got, *, window="window", fix="Use a smaller pool_size or larger images."):
    """Raise if an f×f kernel/window does not fit the (padded) h × w image (None: unknown)."""
    if padding == "same":                     # ⌈n/s⌉ ≥ 1 windows always fit
        return
    p = 0 if padding == "valid" else padding
    for name, n in (("height", h), ("width", w)):
        if n is not None and f > n + 2 * p:
            size = (f"the padded image: {name} {n} + 2·{p} = {n + 2 * p} < {f}" if window == "kernel" or p
                    else f"the image: {name} {n} < {f}")
            raise ValueError(f"{layer!r}: the {f}×{f} {window} is larger than {size} (input {got}). {fix}")


def check_batch(layer, x, f, padding, channels=None, *, window="window", fix="Use a smaller pool_size or "
                "larger images.", dtype=None):
    """The input check of every image layer: a 4-D NHWC batch of numbers, with
    ``channels`` channels (if given) and big enough for the window. Returns x
    as an array of ``dtype`` (None: floats stay, integers become float64).

    Shapes: x (m, h, w, c).
    """
    x = np.asarray(x)
    c = "c" if channels is None else channels
    if x.ndim != 4:
        if x.ndim == 3 and (channels is None or x.shape[-1] == channels):
            hint = "A single image needs a batch axis: use x[None]."
        elif x.ndim == 2 and channels is not None:
            hint = "Images must keep their rows and columns: reshape to (m, h, w, c)."
        else:
            hint = "Pass a batch of images, channels last (NHWC)."
        raise ValueError(f"{layer!r}: expected input of shape (m, h, w, {c}), got {tuple(x.shape)}. {hint}")
    if channels is not None and x.shape[3] != channels:
        raise ValueError(
            f"{layer!r}: expected {channels} input channel(s), shape (m, h, w, {channels}), "
            f"got {tuple(x.shape)} with {x.shape[3]}. Images are NHWC (channels last): "
            f"check the previous layer's c_out or transpose (m, c, h, w) data with "
            f"x.transpose(0, 2, 3, 1).")
    check_fits(layer, f, padding, x.shape[1], x.shape[2], tuple(x.shape), window=window, fix=fix)
    if x.dtype.kind not in "fiub":
        raise ValueError(f"{layer!r}: expected numbers, got an array of dtype {x.dtype}.")
    if dtype is None:
        return x if x.dtype.kind == "f" else x.astype(np.float64)
    return x.astype(dtype, copy=False)


def square(owner: str, name: str, value):
    """An int, or a pair of equal ints (Keras' ``(3, 3)``) as one int."""
    if isinstance(value, (tuple, list)):
        if len(value) == 2 and value[0] == value[1]:
            return value[0]
        raise ValueError(f"{owner}: expected {name} to be one integer (square windows), got "
                         f"{tuple(value)}. nnbook's windows are square: use {name}=f.")
    return value
