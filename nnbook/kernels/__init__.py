"""The speed code under the layers, NumPy only (as Keras keeps its math in ``ops/`` under
``layers/``): products in blocks of rows (products.py), 64-byte-aligned arrays
(aligned.py), the convolution engine (conv.py, conv_dx.py), the online softmax in tiles
(online_softmax.py), the activations' elementwise passes (elementwise.py), the max over
short rows (rows.py) and linear attention's masked and chunked forms (linear_attention.py).
The layers, training, precision and conv_impl.py import from here; nothing here imports from
the rest of nnbook.
"""
