"""Part VII's new pieces, timed with one thread, each side in one fresh process taking turns
(``timing.alternate``, best call in CPU time):

- chapter 33's ``nb.MixtureOfExperts`` (E = 8 experts, top k = 2, no capacity, no shared
  expert), forward + backward, against ``numpy_moe`` (the same arithmetic in plain NumPy
  with the fewest passes we could write: the floor) and ``torch_moe`` (the loop over
  experts people write in PyTorch, each expert on the tokens that chose it, gathered and
  added back with ``index_add``, autograd for the backward; PyTorch has no such layer);
- chapter 34's ``nb.Muon`` step on the 14 matrices of a 2-block model (d = 128) against
  ``numpy_muon`` (the floor) and ``torch.optim.Muon`` as PyTorch ships it, whose
  Newton–Schulz runs in bfloat16, and the same optimizer with that one function run in the
  parameters' dtype (``torch_ns_in_dtype``), which computes nnbook's numbers.

Before timing, every side's result is checked against nnbook's (tests/test_bench_part7.py
checks the floors on the tiny case): 1e-10 in float64, 1e-4 in float32, torch's bfloat16
Newton–Schulz to 5e-2 of the update (bfloat16 keeps 8 bits).

    python benchmarks/bench_part7.py           # prints the table (one thread)

``run_all.py`` runs it too (its block "part7" of results.md; ``--only part7`` alone).
Without PyTorch installed the PyTorch columns are left empty.
"""

from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

MOE = {"tokens": (16, 64), "d_model": 64, "d_ff": 128, "n_experts": 8, "k": 2}
TINY_MOE = {"tokens": (2, 5), "d_model": 8, "d_ff": 12, "n_experts": 4, "k": 2}
# a 2-block model of width 128: W_q, W_k, W_v, W_o (128, 128), SwiGLU's W_1, W_3 (128, 352)
# and W_2 (352, 128), in nnbook's (fan_in, fan_out) layout
MUON = [(128, 128)] * 4 + [(128, 352), (128, 352), (352, 128)]
MUON = MUON * 2
TINY_MUON = [(6, 6), (6, 10), (10, 6)]
DTYPES = ("float64", "float32")
TOL = {"float64": 1e-10, "float32": 1e-4}
LR, MOMENTUM = 0.02, 0.95


# --- the mixture of experts ---------------------------------------------------------------
def moe_case(size, dtype, seed=33):
    """(layer, x, dy): a random ``MixtureOfExperts`` and its input and output gradient."""
    import numpy as np

    import nnbook as nb
    rng = np.random.default_rng(seed)
    layer = nb.MixtureOfExperts(size["d_model"], size["d_ff"], size["n_experts"], size["k"],
                                rng=rng, dtype=dtype)
    layer.router.params["W"] *= 4          # a router whose choices are not all near ties
    layer.training = True                  # as in a training step (a layer starts in
    # inference, where each SwiGLU keeps only x and its backward computes h, σ, a, u again)
    x = rng.standard_normal(size["tokens"] + (size["d_model"],)).astype(dtype)
    dy = rng.standard_normal(x.shape).astype(dtype)
    return layer, x, dy


def moe_arrays(layer):
    """The layer's arrays for the other sides: (W_router, [(W_1, W_3, W_2) per expert])."""
    return (layer.router.params["W"],
            [(e.params["W_1"], e.params["W_3"], e.params["W_2"]) for e in layer.experts])


def numpy_moe(W_router, experts, x, dy, k):
    """Forward and backward of the mixture of experts in plain NumPy, nnbook's arithmetic
    (softmax router, top k by a stable sort, the chosen probabilities renormalised, each
    expert a SwiGLU on its tokens): returns (y, ∂E/∂x, ∂E/∂W_router, [(∂W_1, ∂W_3, ∂W_2)])."""
    import numpy as np
    d = x.shape[-1]
    X, dY = x.reshape(-1, d), dy.reshape(-1, d)
    S = X @ W_router
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    chosen = np.argsort(-P, axis=1, kind="stable")[:, :k]
    p_chosen = np.take_along_axis(P, chosen, axis=1)
    Z = p_chosen.sum(axis=1, keepdims=True)
    w = p_chosen / Z
    y, dX, G = np.zeros_like(X), np.zeros_like(X), np.zeros_like(w)
    grads = []
    for e, (W1, W3, W2) in enumerate(experts):
        t, j = np.nonzero(chosen == e)          # a token picks an expert at most once
        Xe = X[t]
        h1, h3 = Xe @ W1, Xe @ W3
        s = 1.0 / (1.0 + np.exp(-h1))
        a = h1 * s
        u = a * h3
        ye = u @ W2
        we = w[t, j, None]
        y[t] += we * ye
        G[t, j] = np.einsum("nd,nd->n", dY[t], ye)
        dYe = we * dY[t]
        delta = dYe @ W2.T
        dh3 = delta * a
        dh1 = delta * h3
        dh1 *= s + a * (1.0 - s)                # SiLU'(h₁)
        grads.append((Xe.T @ dh1, Xe.T @ dh3, u.T @ dYe))
        dX[t] += dh1 @ W1.T + dh3 @ W3.T
    dP = np.zeros_like(P)
    np.put_along_axis(dP, chosen, (G - (w * G).sum(axis=1, keepdims=True)) / Z, axis=1)
    dS = P * (dP - (P * dP).sum(axis=1, keepdims=True))
    dX += dS @ W_router.T
    return y.reshape(x.shape), dX.reshape(x.shape), X.T @ dS, grads


def torch_moe(torch, W_router, experts, x, dy, k):
    """The usual PyTorch loop over experts, forward and autograd's backward, on leaf tensors
    made once (``torch_moe_inputs``); returns (y, x's tensor): its ``.grad`` and the weights'
    are the backward's."""
    F = torch.nn.functional
    X = x.reshape(-1, x.shape[-1])
    P = torch.softmax(X @ W_router, dim=1)
    top = torch.topk(P, k, dim=1)
    w = top.values / top.values.sum(dim=1, keepdim=True)
    y = torch.zeros_like(X)
    for e, (W1, W3, W2) in enumerate(experts):
        t, j = torch.nonzero(top.indices == e, as_tuple=True)
        Xe = X[t]
        y = y.index_add(0, t, w[t, j, None] * ((F.silu(Xe @ W1) * (Xe @ W3)) @ W2))
    y = y.reshape(x.shape)
    y.backward(dy)
    return y


def torch_moe_inputs(torch, W_router, experts, x, dy):
    leaf = lambda a: torch.tensor(a, requires_grad=True)            # noqa: E731
    return (leaf(W_router), [tuple(leaf(a) for a in e) for e in experts], leaf(x),
            torch.tensor(dy))


# --- Muon -----------------------------------------------------------------------------------
def muon_case(shapes, dtype, seed=34):
    """(weights, gradients) in nnbook's (fan_in, fan_out) layout."""
    import numpy as np
    rng = np.random.default_rng(seed)
    W = [(rng.standard_normal(s) / np.sqrt(s[0])).astype(dtype) for s in shapes]
    G = [rng.standard_normal(s).astype(dtype) for s in shapes]
    return W, G


def numpy_muon(weights, grads, bufs, lr=LR, mu=MOMENTUM):
    """One Muon step in plain NumPy, nnbook's arithmetic (Nesterov momentum, the quintic
    Newton–Schulz five times on the wide orientation after dividing by the Frobenius norm,
    the shape scale √max(1, fan_out/fan_in)), each weight and buffer changed in place."""
    import numpy as np
    a, b, c = 3.4445, -4.7750, 2.0315
    for W, g, m in zip(weights, grads, bufs):
        u = g * (1.0 - mu)
        m *= mu
        m += u
        u += mu * m                                   # (1−μ)g + μm
        X = u.T if W.shape[0] > W.shape[1] else u
        X = X / max(float(np.linalg.norm(X)), 1e-7)
        for _ in range(5):
            A = X @ X.T
            B = A @ A
            B *= c
            B += b * A
            X = a * X + B @ X
        X *= lr * max(1.0, W.shape[1] / W.shape[0]) ** 0.5
        W -= X.T if W.shape[0] > W.shape[1] else X


def torch_ns_in_dtype(G, ns_coefficients, ns_steps, eps):
    """``torch.optim._muon._zeropower_via_newtonschulz`` with one change: it keeps ``G``'s
    dtype where PyTorch's casts to bfloat16."""
    import torch
    a, b, c = ns_coefficients
    X = G.T if G.size(0) > G.size(1) else G.clone()
    X = X / X.norm().clamp(min=eps)
    for _ in range(ns_steps):
        A = X @ X.T
        X = torch.addmm(X, torch.addmm(A, A, A, beta=b, alpha=c), X, beta=a)
    return X.T if G.size(0) > G.size(1) else X


def torch_muon(torch, weights, grads, in_dtype):
    """(step, parameters): ``torch.optim.Muon`` on torch's (out, in) = Wᵀ, nnbook's settings
    (lr, momentum, no weight decay, the "original" shape scale); ``in_dtype`` runs its
    Newton–Schulz in the parameters' dtype, else in bfloat16 as shipped."""
    from torch.optim import _muon
    params = [torch.tensor(W.T.copy(), requires_grad=True) for W in weights]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g.T.copy())
    opt = torch.optim.Muon(params, lr=LR, momentum=MOMENTUM, weight_decay=0.0)
    shipped = _muon._zeropower_via_newtonschulz

    def step():
        _muon._zeropower_via_newtonschulz = torch_ns_in_dtype if in_dtype else shipped
        try:
            opt.step()
        finally:
            _muon._zeropower_via_newtonschulz = shipped
    return step, params


# --- the child process ----------------------------------------------------------------------
def child(moe_size, muon_shapes, with_torch, seconds, rounds):
    import copy
    import time

    import numpy as np

    sys.path.insert(0, HERE)
    import timing

    import nnbook as nb
    torch = None
    if with_torch:
        try:
            import torch
            torch.set_num_threads(1)
        except ImportError:                 # not installed: the NumPy sides alone
            torch = None
    rows = []
    for dtype in DTYPES:
        tol = TOL[dtype]
        layer, x, dy = moe_case(moe_size, dtype)
        Wr, experts = moe_arrays(layer)
        k = moe_size["k"]

        def ours():
            layer.forward(x)
            return layer.backward(dy)
        dx = ours()
        steps = {"nnbook": ours, "numpy": lambda: numpy_moe(Wr, experts, x, dy, k)}
        assert nb.relative_error(steps["numpy"]()[1], dx) < tol
        if torch is not None:
            tW, tE, tx, tdy = torch_moe_inputs(torch, Wr, experts, x, dy)
            torch_moe(torch, tW, tE, tx, tdy, k)
            assert nb.relative_error(tx.grad.numpy(), dx) < tol
            assert nb.relative_error(tW.grad.numpy(), layer.router.grads["W"]) < tol

            def theirs():
                for t in [tW, tx] + [a for e in tE for a in e]:
                    t.grad = None
                torch_moe(torch, tW, tE, tx, tdy, k)
            steps["torch"] = theirs
        best = timing.alternate(steps, rounds=rounds, seconds=seconds, clock=time.process_time)
        E, (m, T) = moe_size["n_experts"], moe_size["tokens"]
        rows.append({"name": f"MixtureOfExperts E={E} k={k}, {m}×{T} tokens, d={layer.d_model}"
                             f", d_ff={layer.d_ff}, {dtype}", "nnbook_s": best["nnbook"],
                     "numpy_s": best["numpy"], "torch_s": best.get("torch")})

        W, G = muon_case(muon_shapes, dtype)
        opt = nb.Muon(lr=LR, momentum=MOMENTUM)
        pairs = tuple(zip(W, G))
        W_floor, bufs = copy.deepcopy(W), [np.zeros_like(g) for g in G]
        W0 = copy.deepcopy(W)
        for _ in range(2):                  # two steps: the momentum matters in the second
            opt.step(pairs)
            numpy_muon(W_floor, G, bufs)
        assert max(nb.relative_error(a - w0, b - w0)
                   for a, b, w0 in zip(W, W_floor, W0)) < tol
        steps = {"nnbook": lambda: opt.step(pairs),
                 "numpy": lambda: numpy_muon(W_floor, G, bufs)}
        if torch is not None:
            for in_dtype, name in ((True, "torch_dtype"), (False, "torch")):
                step, params = torch_muon(torch, W0, G, in_dtype)
                for _ in range(2):
                    step()
                moved = [p.detach().numpy().T - w0 for p, w0 in zip(params, W0)]
                err = max(nb.relative_error(mv, a - w0) for mv, a, w0 in
                          zip(moved, W_floor, W0))
                assert err < (tol if in_dtype else 5e-2), (name, err)
                steps[name] = step
        best = timing.alternate(steps, rounds=rounds, seconds=seconds, clock=time.process_time)
        rows.append({"name": f"Muon step, {len(muon_shapes)} matrices "
                             f"({sum(a * b for a, b in muon_shapes):,} weights), {dtype}",
                     "nnbook_s": best["nnbook"], "numpy_s": best["numpy"],
                     "torch_s": best.get("torch"), "torch_dtype_s": best.get("torch_dtype")})
    print(json.dumps(rows))


def main(with_torch=True, tiny=False):
    """Run ``child`` in a fresh process with one thread; returns its rows."""
    sys.path.insert(0, HERE)
    from timing import one_thread_child
    flags = ([] if with_torch else ["--no-torch"]) + (["--tiny"] if tiny else [])
    return one_thread_child(__file__, *flags)


def fmt(t):
    return "—" if t is None else f"{t * 1e3:.2f} ms"


def ratio(a, b):
    return "—" if a is None or b is None else f"{a / b:.2f}"


def markdown(rows) -> str:
    lines = ["### Mixture of experts and Muon (chapters 33 and 34)", "",
             "One thread, each side in one fresh process taking turns, best call in CPU time. "
             "The mixture of experts: forward + backward against the same arithmetic in "
             "plain NumPy (the floor) and against the loop over experts people write in "
             "PyTorch (gather each expert's tokens, `index_add` them back, autograd), both "
             "checked equal to nnbook's (1e-10 in float64, 1e-4 in float32). Muon: one step "
             "against the NumPy floor and `torch.optim.Muon`, whose Newton–Schulz runs in "
             "bfloat16 as shipped (equal to nnbook's update to 5e-2) and, in the last column, "
             "in the parameters' dtype (equal to nnbook's to 1e-10 / 1e-4).", "",
             "| case | nnbook | NumPy floor | nnbook / floor | PyTorch | nnbook / PyTorch | "
             "PyTorch, NS in the dtype | nnbook / that |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        t2 = r.get("torch_dtype_s")
        lines.append(f"| {r['name']} | {fmt(r['nnbook_s'])} | {fmt(r['numpy_s'])} | "
                     f"{ratio(r['nnbook_s'], r['numpy_s'])} | {fmt(r['torch_s'])} | "
                     f"{ratio(r['nnbook_s'], r['torch_s'])} | "
                     f"{fmt(t2) if 'torch_dtype_s' in r else ''} | "
                     f"{ratio(r['nnbook_s'], t2) if 'torch_dtype_s' in r else ''} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if "--child" in sys.argv:
        tiny = "--tiny" in sys.argv
        child(TINY_MOE if tiny else MOE, TINY_MUON if tiny else MUON,
              "--no-torch" not in sys.argv, 0.01 if tiny else 0.3, 1 if tiny else 3)
    else:
        print(markdown(main()))
