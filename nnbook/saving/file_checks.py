"""What ``load_model`` checks in a model file before it trusts it (chapter 00's saving):
the sizes a layer's configuration asks for against the arrays the file holds for that
layer, read from the arrays' headers before anything is built, and the weights finite.
model_file.py calls these.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["array_shapes", "check_sizes", "check_finite", "SLACK"]

SLACK = 64       # sizes any small layer may have beyond its numbers (a stride of 3 over 1 weight)


def array_shapes(data) -> dict[str, tuple]:
    """The shape of every array of an open ``np.load`` file, from its ``.npy`` header,
    without reading (or allocating) the array itself."""
    shapes = {}
    for name in data.files:
        with data.zip.open(name + ".npy") as fh:
            version = np.lib.format.read_magic(fh)
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            shapes[name] = tuple(read(fh)[0])
    return shapes


def _sizes(value):
    """The integers ≥ 1 in a configuration value (nested dicts and lists too)."""
    if isinstance(value, bool):
        return []
    if isinstance(value, numbers.Integral):
        return [int(value)] if value >= 1 else []
    if isinstance(value, dict):
        return [n for v in value.values() for n in _sizes(v)]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _sizes(v)]
    return []


def check_sizes(path, i, name, config, shapes, prefix) -> None:
    """Refuse a configuration that asks for more than the file holds for layer ``i``.

    Building a layer allocates what its configuration says (``Dense(n_in, n_out)``: an
    n_in × n_out matrix), so the file is checked first. Every size in an nnbook layer's
    configuration is a side of one of its arrays or smaller than one (a head count, a
    rank), and no two sizes multiply to more than the layer's numbers: a matrix holds
    their product. So each size, and the product of the two largest, must stay within
    the n numbers the file stores for the layer (plus ``SLACK``); a layer with no arrays
    in the file allocates nothing either way. The exact shapes are compared after the
    layer is built."""
    n = sum(int(np.prod(s)) for k, s in shapes.items() if k.startswith(prefix))
    if n == 0:
        return
    sizes = sorted(_sizes(config), reverse=True)
    biggest = sizes[0] * (sizes[1] if len(sizes) > 1 else 1) if sizes else 0
    if sizes and (sizes[0] > n + SLACK or biggest > n + SLACK * SLACK):
        raise ValueError(
            f"load_model: {path!r} does not hold what its architecture says: layer {i} "
            f"({name}) has the config {config}, which asks for arrays of up to "
            f"{biggest:,} numbers, but the file holds {n:,} numbers for it. The file is "
            f"damaged or was edited; nothing was built. Save the model again with "
            f"model.save(path).")


def check_finite(path, i, name, key, array) -> None:
    """Refuse a weight or buffer with NaN or infinite values: the model would predict NaN."""
    bad = ~np.isfinite(array)
    if bad.any():
        n_nan = int(np.isnan(array).sum())
        count = int(bad.sum())
        kind = "NaN" if n_nan == count else "infinite" if n_nan == 0 else "NaN or infinite"
        raise ValueError(
            f"load_model: {path!r}: layer {i} ({name}) {key} holds {count} {kind} "
            f"value{'s' * (count != 1)}, so the model would predict NaN. It was saved after "
            f"training diverged: load an earlier checkpoint, or train again with a smaller "
            f"learning rate.")
