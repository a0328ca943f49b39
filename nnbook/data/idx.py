"""MNIST's file format: ``read_idx`` reads any IDX file (gzipped or not) and
``load_mnist`` reads the four MNIST files you downloaded yourself (chapter 10).
Nothing here downloads. ``nb.data`` re-exports both names.
"""

from __future__ import annotations

import gzip
import math
import os

import numpy as np

__all__ = ["read_idx", "load_mnist"]

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the format of the MNIST files), gzipped or not.

    The layout: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16,
    0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, each
    dimension as a big-endian 32-bit integer, then the data, big-endian, C order.

    Shapes:
        returns an array of the shape stored in the file, e.g. (60000, 28, 28)
        uint8 for MNIST images, (60000,) for labels; native byte order.
    """
    with open(path, "rb") as fh:
        raw = fh.read()
    name = os.path.basename(os.fspath(path))
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(
                f"read_idx: {name!r} looks gzipped but cannot be decompressed ({exc}). "
                f"The file is damaged or incomplete: download it again."
            ) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"read_idx: {name!r} does not start with an IDX magic number: got bytes "
            f"{raw[:4].hex(' ') or '(none)'}, expected 00 00 <type code> <ndim> with a type code "
            f"in {[hex(c) for c in _IDX_DTYPES]}. Is this an IDX (MNIST) file?"
        )
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"read_idx: {name!r} is truncated: the header announces {ndim} dimensions "
            f"({header} bytes) but the file has {len(raw)} bytes. Download the file again."
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = math.prod(shape) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "longer than its header says"
        raise ValueError(
            f"read_idx: {name!r} is {what}: shape {shape} of {dtype.name} needs {expected} "
            f"data bytes, got {got}. Download the file again."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))          # a writable native-order copy


_MNIST_PREFIX = {"train": "train", "test": "t10k"}


def _find_idx(folder: str, stem: str):
    """The first of ``stem``, ``stem.gz`` (and the dotted variant some mirrors use) in folder."""
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def load_mnist(folder, kind: str = "train"):
    """Read MNIST from the IDX files you downloaded (nnbook never downloads).

    ``kind="train"`` reads ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte``,
    ``kind="test"`` reads ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``;
    each may also be gzipped (``.gz``). Pixels are scaled from 0..255 to [0, 1].

    Shapes:
        images: (m, 28, 28, 1) float64 (NHWC; m = 60000 for train, 10000 for test)
        labels: (m,) int64 in 0..9
    """
    if kind not in _MNIST_PREFIX:
        raise ValueError(f"load_mnist: expected kind 'train' or 'test', got {kind!r}.")
    prefix = _MNIST_PREFIX[kind]
    stems = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
    paths = [_find_idx(os.fspath(folder), s) for s in stems]
    if None in paths:
        missing = [s for s, p in zip(stems, paths) if p is None]
        raise FileNotFoundError(
            f"load_mnist: no {' or '.join(s + '[.gz]' for s in missing)} in {os.fspath(folder)!r}. "
            f"Expected the files {stems[0]}[.gz] and {stems[1]}[.gz] for kind={kind!r}. "
            f"nnbook never downloads: get the MNIST files yourself and pass the folder that holds them."
        )
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"load_mnist: expected images (m, h, w) and labels (m,), got {images.shape} from "
            f"{os.path.basename(paths[0])} and {labels.shape} from {os.path.basename(paths[1])}. "
            f"Check that the two files belong together."
        )
    scale = 255.0 if images.dtype == np.uint8 else 1.0
    return (images.astype(np.float64) / scale)[..., None], labels.astype(np.int64)
