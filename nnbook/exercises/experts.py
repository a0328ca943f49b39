"""Exercises of chapter 33 (mixture of experts): Switch's balancing loss E·Σ f_e P_e from
the router's probabilities and the experts each token chose.
"""

from __future__ import annotations

import numpy as np

from ._core import Runner, compare, exercise


def _cases():
    """(probs (N, E), chosen (N, k)) for a few routers, k = 1 and k = 2, balanced and not."""
    rng = np.random.default_rng(3301)
    out = []
    for N, E, k, skew in ((12, 4, 1, 0.0), (10, 4, 2, 2.0), (9, 3, 2, 0.5), (16, 8, 2, 1.0)):
        scores = rng.standard_normal((N, E)) + skew * np.linspace(1, 0, E)
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        out.append((p, np.argsort(-p, axis=1, kind="stable")[:, :k]))
    return out


def _loss(p, chosen, share=True, factor=True):
    N, E = p.shape
    load = np.bincount(chosen.ravel(), minlength=E)
    f = load / (chosen.size if share else N)
    return (E if factor else 1) * float(f @ p.mean(axis=0))


# 33.1 ----------------------------------------------------------------------------------------
@exercise("33.1", "Switch's balancing loss",
          "function balance_loss(probs, chosen) -> number: E·Σ_e f_e·P_e, with f_e the share "
          "of the k·N choices that went to expert e and P_e its mean probability")
def balance_loss(fn):
    run = Runner(fn, "balance_loss")
    for p, chosen in _cases():
        N, E = p.shape
        k = chosen.shape[1]
        where = f"balance_loss(probs of shape {p.shape}, chosen of shape {chosen.shape})"
        wrongs = [(_loss(p, chosen, factor=False), "the loss is E times Σ f·P: without the "
                   "factor E uniform routing gives 1/E, not 1.")]
        load = np.bincount(chosen.ravel(), minlength=E)
        wrongs.append((E * float(load @ p.mean(axis=0)), "f is a share of the choices "
                       "(load / (k·N)), not a count of tokens."))
        if k > 1:
            wrongs.append((_loss(p, chosen, share=False), "with k experts a token the "
                           "choices number k·N: f over N sums to k and uniform routing "
                           "gives k, not 1."))
        compare(where, run(p, chosen), _loss(p, chosen), wrongs, rtol=1e-9)
    return ("right: f counts the k·N choices, so Σ f = 1 and uniform routing (f = P = 1/E) "
            "gives exactly 1 for every k; the gradient flows through P only.")
