"""nnbook/diagrams/ as a package: ``nb.diagrams.<name>`` is every public name of its
topic modules (found on disk, so a new module is checked too), and every diagram
follows the figure rules: text at least 9 pt, at most 9.6 inches wide (the notebook's
width), and a size in whole pixels (the ``<Figure size …>`` text a notebook stores).
The tests of each diagram's content are in tests/test_diagrams_<module>.py."""

import importlib
import pkgutil
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)

MODULES = sorted(m.name for m in pkgutil.iter_modules(nb.diagrams.__path__) if not m.name.startswith("_"))
NOT_DRAWN = {"forward_backward", "output_size_formula"}     # the numbers and text a diagram shows


def chain(w):
    layers = []
    for w_k in w:
        d = nb.Dense(1, 1)
        d.params["W"][...] = w_k
        layers += [d, nb.Sigmoid()]
    return nb.Sequential(layers)


def dense_net():
    rng = np.random.default_rng(1)
    return nb.Sequential([nb.Dense(3, 4, rng=rng), nb.Tanh(), nb.Dense(4, 2, rng=rng), nb.Tanh()])


POOL = [[8, 4, 2, 1], [9, 3, 2, 8], [1, 5, 7, 1], [2, 0, 3, 7]]
ATTENTION = np.array([[1.0, 0, 0], [0.25, 0.75, 0], [0.2, 0.3, 0.5]])
TOKENS = "the cats sing. the catlings sing. a cat sings. " * 4
# one or more drawings of every diagram, as the chapters draw them
GALLERY = {
    "neuron": [lambda: nb.diagrams.neuron([0.3, -0.7, 1.1], [1.0, 0.5, -0.25], b=0.0,
                                          activation="identity"),
               lambda: nb.diagrams.neuron(n_inputs=4)],
    "network": [lambda: nb.diagrams.network([3, 4, 2]), lambda: nb.diagrams.network([5, 6, 3, 1]),
                lambda: nb.diagrams.network([784, 32, 10], max_units=6)],
    "computational_graph": [lambda: nb.diagrams.computational_graph(chain([0.5, 1.0, -0.8]), [1.5], [0.9]),
                            lambda: nb.diagrams.computational_graph(dense_net(), [0.5, -1.0, 2.0],
                                                                    [1.0, 0.0])],
    "dense_shapes": [lambda: nb.diagrams.dense_shapes(5, 3, 4), lambda: nb.diagrams.dense_shapes(64, 3, 200)],
    "residual_block": [lambda: nb.diagrams.residual_block(32, "tanh")],
    "conv_window": [lambda: nb.diagrams.conv_window(6, 3), lambda: nb.diagrams.conv_window(44, 3, s=4),
                    lambda: nb.diagrams.conv_window(5, 3, p=1, s=2)],
    "pooling": [lambda: nb.diagrams.pooling(POOL)],
    "im2col": [lambda: nb.diagrams.im2col(4, 2)],
    "softmax_bars": [lambda: nb.diagrams.softmax_bars([2.0, 1.0, 0.1])[0]],
    "momentum_vectors": [lambda: nb.diagrams.momentum_vectors(np.diag([1.0, 20.0]), np.array([-4.0, 3.0]),
                                                              np.array([1.0, -0.5]), 0.02, 0.9)[0]],
    "dropout_network": [lambda: nb.diagrams.dropout_network(
        [3, 4, 2], [np.array([[2.0, 0, 2, 0], [0, 2, 2, 2]])])],
    "batchnorm_statistics": [lambda: nb.diagrams.batchnorm_statistics(np.arange(12.0).reshape(4, 3)),
                             lambda: nb.diagrams.batchnorm_statistics(np.arange(48.0).reshape(2, 2, 4, 3))],
    "rnn_unrolled": [lambda: nb.diagrams.rnn_unrolled(8, 32, T=8)],
    "rnn_outputs": [lambda: nb.diagrams.rnn_outputs(8, 16, 1)[0]],
    "bptt_paths": [lambda: nb.diagrams.bptt_paths(4), lambda: nb.diagrams.bptt_paths(9, return_sequences=False)],
    "lstm_cell": [lambda: nb.diagrams.lstm_cell(8, 16)],
    "gru_cell": [lambda: nb.diagrams.gru_cell(3, 5)],
    "attention_matrix": [lambda: nb.diagrams.attention_matrix(ATTENTION, "ab ")],
    "causal_mask": [lambda: nb.diagrams.causal_mask(6)],
    "heads": [lambda: nb.diagrams.heads(16, 4)],
    "transformer_block": [lambda: nb.diagrams.transformer_block(32, 4, 128)],
    "merge_tree": [lambda: nb.diagrams.merge_tree(nb.data.BPETokenizer.train(TOKENS, 280),
                                                  "catlings")],
    "token_boundaries": [lambda: nb.diagrams.token_boundaries(
        (nb.data.BPETokenizer.train(TOKENS, 280), "the catlings sing."))],
    "gqa_heads": [lambda: nb.diagrams.gqa_heads(4, 2), lambda: nb.diagrams.gqa_heads(8, 1)],
    "modern_block": [lambda: nb.diagrams.modern_block(32, 4, 2, 85)],
    "rope_pairs": [lambda: nb.diagrams.rope_pairs(8, 3), lambda: nb.diagrams.rope_pairs(16, 40)],
    "kv_cache": [lambda: nb.diagrams.kv_cache(3, 5, n_layers=2, n_kv_heads=2, d_head=8),
                 lambda: nb.diagrams.kv_cache(12, 20)],
    "top_p_cut": [lambda: nb.diagrams.top_p_cut([0.05, 0.4, 0.25, 0.15, 0.1, 0.05], 0.8),
                  lambda: nb.diagrams.top_p_cut(np.full(20, 0.05), 0.5, list("abcdefghijklmnopqrst"))],
    "sft_targets": [lambda: nb.diagrams.sft_targets("(cats) ", "the cats (that a dog sees) run.")],
    "lora_matrices": [lambda: nb.diagrams.lora_matrices(32, 26, 4, alpha=8),
                      lambda: nb.diagrams.lora_matrices(256, 8, 1)],
    "rl_step": [lambda: nb.diagrams.rl_step("(cats) ", ["the cats run.", ""], [1.0, 0.0],
                                            [1.0, -1.0])],
    "latent_model": [lambda: nb.diagrams.latent_model()],
    "ragged_batch": [lambda: nb.diagrams.ragged_batch([3, 1, 6, 4])],
    "rolling_cache": [lambda: nb.diagrams.rolling_cache(8, 4)],
    "draft_and_verify": [lambda: nb.diagrams.draft_and_verify(2, 4),
                         lambda: nb.diagrams.draft_and_verify(4, 4)],
    "bit_layouts": [lambda: nb.diagrams.bit_layouts(0.1),
                    lambda: nb.diagrams.bit_layouts(-65504.0)],
    "attention_tiles": [lambda: nb.diagrams.attention_tiles(256, 64),
                        lambda: nb.diagrams.attention_tiles(100, 7, causal=False)],
    "elbo_gap": [lambda: nb.diagrams.elbo_gap(-2.05, -2.3, 0.16),
                 lambda: nb.diagrams.elbo_gap(-110.0, -104.0, 9.5)],
    "guidance_vectors": [lambda: nb.diagrams.guidance_vectors([-0.73, -0.40], [-0.83, 0.22], 3),
                         lambda: nb.diagrams.guidance_vectors([1.0, 0.0], [0.0, 1.0], 0.5),
                         lambda: nb.diagrams.guidance_vectors([-0.73, -0.40], [-0.83, 0.22], 3,
                                                              t=0.3)],
    "masked_window": [lambda: nb.diagrams.masked_window(
        "ab c.ab c.ab", np.arange(12) % 3 == 1, np.full((4, 5), 0.2), list(" abc."))],
    "state_write": [lambda: nb.diagrams.state_write(np.eye(3) * 0.5, [1.0, 0, 0], [0, 1.0, 0])[0],
                    lambda: nb.diagrams.state_write(np.zeros((8, 8)), np.ones(8) / 8 ** 0.5,
                                                    np.arange(8.0), rule="hebbian")[0]],
}
DRAWINGS = [(name, k, draw) for name, draws in GALLERY.items() for k, draw in enumerate(draws)]


def test_the_package_exports_every_public_name_of_its_modules():
    assert {"networks", "graph", "conv", "recurrent", "gated", "attention"} <= set(MODULES)
    exported = []
    for name in MODULES:
        module = importlib.import_module(f"nnbook.diagrams.{name}")
        for public in module.__all__:
            assert getattr(nb.diagrams, public) is getattr(module, public), (name, public)
        exported += module.__all__
    assert sorted(exported) == sorted(nb.diagrams.__all__)           # and nothing else, once
    assert not set(MODULES) & set(nb.diagrams.__all__)                # no function named like a module


def test_the_gallery_draws_every_diagram():
    assert set(GALLERY) == set(nb.diagrams.__all__) - NOT_DRAWN


@pytest.mark.parametrize("name, k, draw", DRAWINGS, ids=[f"{n}-{k}" for n, k, _ in DRAWINGS])
def test_text_is_at_least_9_pt_whole_pixels_and_fits_the_notebook(name, k, draw):
    fig = draw().figure
    sizes = [t.get_fontsize() for ax in fig.axes for t in ax.texts + [ax.title] if t.get_text()]
    assert min(sizes) >= 9
    assert fig.get_figwidth() <= 9.6
    fig.set_dpi(100)
    assert re.fullmatch(r"<Figure size \d+x\d+ with \d+ Axes>", repr(fig)), repr(fig)
