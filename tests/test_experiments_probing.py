"""nnbook/experiments/probing.py's ``probe``: the ceiling beside a probe (chapter 36)."""

import numpy as np

from nnbook.experiments import probing as pr


def test_the_ceiling_keeps_every_column_when_a_text_never_reaches_a_label_value():
    # the mistake caught (a cold reading, 2026-11-29): the label's first column found from
    # the largest label present, so a held-out text that never reaches depth 2 dropped the
    # depth-0 column and the ceiling came out NaN (on 2 fresh seeds of 2)
    rng = np.random.default_rng(0)
    n = 400
    labels = rng.integers(0, 2, n)                       # depths 0 and 1 only
    posterior = np.tile([0.7, 0.2, 0.1], (n, 1))        # the grammar's columns 0, 1, 2
    h = rng.normal(size=(n, 4))
    r = pr.probe(h, labels, posterior, rng.integers(0, 26, n), np.random.default_rng(1))
    assert abs(r["ceiling"] - 0.7) < 1e-12 and np.isfinite(r["noise"])


def test_the_questions_column_of_minus_one_is_left_out():
    # the question's columns are −1, 0, 1: its ceiling renormalises over 0 and 1 only (the
    # mistake caught: the −1 column kept, or a column of a known label dropped)
    rng = np.random.default_rng(2)
    n = 400
    labels = np.where(rng.random(n) < 0.2, -1, rng.integers(0, 2, n))
    posterior = np.tile([0.5, 0.3, 0.2], (n, 1))
    h = rng.normal(size=(n, 4))
    r = pr.probe(h, labels, posterior, rng.integers(0, 26, n), np.random.default_rng(3),
                 first=pr.FIRST_COLUMN["question"])
    assert abs(r["ceiling"] - 0.6) < 1e-12


def test_the_windows_best_guess_is_right_as_often_as_its_posterior_says():
    # labels drawn from the posterior itself: the best guess's hit rate is the ceiling up to
    # sampling noise; the question's −1 column taken for label 0 (the mistake caught) is
    # right far less often than its ceiling says
    rng = np.random.default_rng(4)
    m, T = 200, pr.T
    post = rng.dirichlet([1.0, 1.0, 1.0], size=(m, T))
    y = (rng.random((m, T, 1)) > post.cumsum(-1)).sum(-1)
    g = pr.window_guess({"labels": {"depth": y}, "window": {"depth": post}}, "depth")
    assert abs(g["accuracy"] - g["ceiling"]) < 3 * g["noise"]
    q = np.concatenate([np.full((m, T, 1), 0.0), post[..., :2] / post[..., :2].sum(-1,
                        keepdims=True)], axis=-1)
    yq = (rng.random((m, T)) > q[..., 1]).astype(np.int64)
    data = {"labels": {"question": yq}, "window": {"question": q}}
    g = pr.window_guess(data, "question")
    assert abs(g["accuracy"] - g["ceiling"]) < 3 * g["noise"]
    wrong = np.concatenate([q[..., 1:], q[..., :1]], axis=-1)   # columns read one late
    g = pr.window_guess({"labels": {"question": yq}, "window": {"question": wrong}},
                        "question")
    assert g["accuracy"] < g["ceiling"] - 3 * g["noise"]


def test_the_ceilings_gain_skips_a_layer_whose_ceiling_is_at_chance():
    row = {f"depth {k} {key}": v for k, vals in enumerate([(0.85, 0.80, 0.90),
                                                          (0.90, 0.90, 0.90),
                                                          (0.82, 0.80, 0.84)])
           for key, v in zip(("accuracy", "chance", "ceiling"), vals)}
    # layer 0 reaches half its gain, layer 2 0.5 too; layer 1 (ceiling = chance) is skipped
    assert abs(pr.ceiling_gain(row, "depth") - 0.5) < 1e-12
    row["depth 2 accuracy"] = 0.83
    assert abs(pr.ceiling_gain(row, "depth") - 0.75) < 1e-12


def test_the_patching_kl_is_the_exact_conditionals_against_the_models():
    """``_kl(p, q)`` is KL(p ‖ q), p the grammar's exact conditional (with zeros: characters
    the grammar forbids) and q the model's (none): the mistake caught, the arguments
    swapped, gives inf on every such row (the thirteenth and fourteenth cold readings of 36:
    only the notebook's stored row caught it)."""
    rng = np.random.default_rng(36)
    p = rng.dirichlet(np.ones(26), size=5)
    p[:, :6] = 0                                       # forbidden next characters
    p /= p.sum(axis=1, keepdims=True)
    q = rng.dirichlet(np.ones(26), size=5)
    by_row = [float(np.sum(a[a > 0] * np.log(a[a > 0] / b[a > 0]))) for a, b in zip(p, q)]
    assert abs(pr._kl(p, q) - np.mean(by_row)) < 1e-12          # nats, mean over rows
    assert pr._kl(p, p) == 0 and np.isfinite(pr._kl(p, q))
