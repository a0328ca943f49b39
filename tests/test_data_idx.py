"""Tests for nnbook.data.idx: IDX files written here byte by byte (gzipped or not),
their error messages, and MNIST read from tiny stand-in files (nothing downloads)."""

import gzip
import struct

import numpy as np
import pytest

from nnbook.data import idx

# --------------------------------------------------------------------------
# IDX files

_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C,
          np.float32: 0x0D, np.float64: 0x0E}


def write_idx(path, array, gz=False):
    """Write ``array`` as an IDX file, the way the MNIST files are laid out."""
    a = np.asarray(array)
    header = bytes([0, 0, _CODES[a.dtype.type], a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape)
    raw = header + a.astype(a.dtype.newbyteorder(">")).tobytes()
    with (gzip.open if gz else open)(path, "wb") as fh:
        fh.write(raw)
    return path


@pytest.mark.parametrize("dtype", list(_CODES))
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path, dtype, shape, gz):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(shape) * 50).astype(dtype)
    path = write_idx(tmp_path / ("a.idx.gz" if gz else "a.idx"), a, gz=gz)
    b = idx.read_idx(path)
    assert b.shape == shape and b.dtype == np.dtype(dtype)
    assert b.dtype.isnative and b.flags.writeable
    np.testing.assert_array_equal(a, b)


def test_idx_known_bytes(tmp_path):
    # int16 values 1 and -2 as big-endian bytes, dims (2,)
    path = tmp_path / "x"
    path.write_bytes(bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x00, 0x01, 0xFF, 0xFE]))
    np.testing.assert_array_equal(idx.read_idx(path), [1, -2])


@pytest.mark.parametrize("raw, match", [
    (b"\x00\x01\x08\x01\x00\x00\x00\x01\x00", r"does not start with an IDX magic number: got bytes 00 01 08 01"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", r"type code"),
    (b"\x00\x00", r"got bytes 00 00"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x03", r"truncated: the header announces 2 dimensions"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02", r"truncated: shape \(3,\) of uint8 needs 3 data bytes, got 2"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02", r"longer than its header says"),
])
def test_idx_errors(tmp_path, raw, match):
    path = tmp_path / "bad"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=match):
        idx.read_idx(path)


def test_idx_damaged_gzip(tmp_path):
    good = gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02\x03")
    path = tmp_path / "bad.gz"
    path.write_bytes(good[:-6])
    with pytest.raises(ValueError, match="cannot be decompressed"):
        idx.read_idx(path)


# --------------------------------------------------------------------------
# MNIST from files


@pytest.mark.parametrize("kind, prefix, gz", [("train", "train", False), ("test", "t10k", True)])
def test_load_mnist_from_tiny_files(tmp_path, kind, prefix, gz):
    images = np.arange(3 * 28 * 28, dtype=np.int64).reshape(3, 28, 28) % 256
    labels = np.array([7, 0, 9])
    ext = ".gz" if gz else ""
    write_idx(tmp_path / f"{prefix}-images-idx3-ubyte{ext}", images.astype(np.uint8), gz)
    write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte{ext}", labels.astype(np.uint8), gz)
    x, y = idx.load_mnist(tmp_path, kind)
    assert x.shape == (3, 28, 28, 1) and x.dtype == np.float64
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, labels)
    np.testing.assert_allclose(x[..., 0], images / 255.0)
    assert x.min() == 0.0 and x.max() == 1.0


def test_load_mnist_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"t10k-images-idx3-ubyte\[\.gz\].*never downloads"):
        idx.load_mnist(tmp_path, "test")


def test_load_mnist_bad_kind(tmp_path):
    with pytest.raises(ValueError, match=r"kind 'train' or 'test', got 'valid'"):
        idx.load_mnist(tmp_path, "valid")


def test_load_mnist_mismatched_files(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 4, 4), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match=r"got \(3, 4, 4\).*and \(2,\)"):
        idx.load_mnist(tmp_path)
