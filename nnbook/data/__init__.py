"""Data sets, all offline: small generated sets (logic gates, point clouds, spirals:
chapters 01, 05 and 09) and scikit-learn's 8×8 digits (chapter 10) in toy.py, the
labels' checks and ``one_hot`` in labels.py, and the MNIST/IDX file reader in idx.py.
A new data set goes in a module of this folder and is re-exported here.
"""

from .idx import load_mnist, read_idx
from .toy import blobs, load_digits, logic_gate, one_hot, spirals, train_test_split, xor

__all__ = [
    "xor", "logic_gate", "blobs", "spirals", "load_digits", "train_test_split",
    "one_hot", "read_idx", "load_mnist",
]
