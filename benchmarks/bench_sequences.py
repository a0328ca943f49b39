"""Part III benchmark: one forward + backward (∂E/∂x and every parameter gradient) of
an LSTM (m=32, T=32, n_in=32, h=64, every h_t returned) and of causal multi-head
self-attention (m=16, T=64, d=64, 4 heads), float64 and float32, in nnbook, in a
hand-written NumPy baseline and in PyTorch (``nn.LSTM`` and ``nn.MultiheadAttention``,
``batch_first=True``).

As bench_layers.py: every side runs in its own fresh process, with one thread (OMP,
OpenBLAS and MKL limited to 1 thread before import, ``torch.set_num_threads(1)``) and
with the default thread counts; the sides take turns ``rounds`` times and each keeps its
best single call. Each call is timed twice, by the wall clock and by the process's CPU
time (``time.process_time``, which on a busy machine leaves out the time other programs
held the core); the one-thread CPU-time ratio is printed beside the wall-clock one.
Target: nnbook ≤ 1.5× PyTorch (one thread). All three sides start from the same weights
(``weights``); tests/test_bench_sequences.py checks that they compute the same numbers.

    python benchmarks/bench_sequences.py [--no-torch] [--tiny]    # prints a table

As for run_all.py, unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for the command where they are
set (``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python …``): forced to the Haswell kernel,
OpenBLAS runs these products about 2× slower than with its own choice on an AVX-512 CPU.
"""

from __future__ import annotations

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from timing import best_of_children, best_time, fmt_time  # noqa: E402

# (m, T, n_in, h) for the LSTM, (m, T, d, heads) for attention; TINY for the tests
SIZES = {"LSTM": (32, 32, 32, 64), "MHA": (16, 64, 64, 4)}
TINY = {"LSTM": (3, 4, 5, 6), "MHA": (2, 5, 8, 2)}
KINDS = ("LSTM", "MHA")
DTYPES = ("float64", "float32")
NAMES = {"LSTM": "LSTM fwd+bwd m=32 T=32 n_in=32 h=64",
         "MHA": "causal MHA fwd+bwd m=16 T=64 d=64 4 heads"}
TARGET = 1.5


def weights(kind, size, dtype):
    """Every side's data and weights, in nnbook's layout: x, dy and the params dict."""
    import numpy as np
    rng = np.random.default_rng(0)
    if kind == "LSTM":
        m, T, n, h = size
        shapes = {"W_x": (n, 4 * h), "W_h": (h, 4 * h), "b": (4 * h,)}
        x_shape, y_shape = (m, T, n), (m, T, h)
    else:
        m, T, d, _ = size
        shapes = {**{f"W_{k}": (d, d) for k in "qkvo"}, **{f"b_{k}": (d,) for k in "qkvo"}}
        x_shape = y_shape = (m, T, d)
    params = {k: (0.3 * rng.standard_normal(s)).astype(dtype) for k, s in shapes.items()}
    return rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(y_shape).astype(dtype), params


# the three sides; each is imported only in its own child process ----------------------------------
def nnbook_step(kind, size, dtype):
    """nnbook's layer: forward, then backward (∂E/∂x and the parameter gradients).
    ``step.result()`` gives y, ∂E/∂x and the gradients (nnbook's names) of one call."""
    import numpy as np

    import nnbook as nb
    x, dy, params = weights(kind, size, dtype)
    if kind == "LSTM":
        layer = nb.LSTM(size[2], size[3], return_sequences=True, dtype=dtype)
    else:
        layer = nb.MultiHeadAttention(size[2], size[3], causal=True, dtype=dtype)
    for k, v in params.items():
        layer.params[k][...] = v

    def step():
        layer.forward(x)
        return layer.backward(dy)                                      # ∂E/∂x

    def result():
        y = layer.forward(x)
        dx = layer.backward(dy)
        return {"y": y, "dx": dx, **{k: np.array(g) for k, g in layer.grads.items()}}
    step.result, step.layer = result, layer
    return step


def numpy_step(kind, size, dtype):
    """The same step written directly in NumPy, batch-major, as a textbook writes it:
    no classes, no checks, no work arrays kept between calls."""
    x, dy, p = weights(kind, size, dtype)
    step = _numpy_lstm(x, dy, p) if kind == "LSTM" else _numpy_mha(x, dy, p, size[3])
    step.result = step
    return step


def _numpy_lstm(x, dy, p):
    import numpy as np
    m, T, n = x.shape
    h = p["W_h"].shape[0]

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def step():
        Zx = x @ p["W_x"] + p["b"]                                     # (m, T, 4h)
        hs, cs, gates, tcs = [np.zeros((m, h), x.dtype)], [np.zeros((m, h), x.dtype)], [], []
        for t in range(T):
            z = Zx[:, t] + hs[-1] @ p["W_h"]
            i, f, o = sigmoid(z[:, :h]), sigmoid(z[:, h:2 * h]), sigmoid(z[:, 3 * h:])
            g = np.tanh(z[:, 2 * h:3 * h])
            cs.append(f * cs[-1] + i * g)
            tcs.append(np.tanh(cs[-1]))
            hs.append(o * tcs[-1])
            gates.append((i, f, g, o))
        y = np.stack(hs[1:], axis=1)                                   # (m, T, h)
        dZ = np.empty((m, T, 4 * h), x.dtype)
        dW_h = np.zeros_like(p["W_h"])
        dh_next, dc_next = np.zeros((m, h), x.dtype), np.zeros((m, h), x.dtype)
        for t in range(T - 1, -1, -1):
            i, f, g, o = gates[t]
            dh = dy[:, t] + dh_next
            dc = dc_next + dh * o * (1 - tcs[t] ** 2)
            dz = np.concatenate([dc * g * i * (1 - i), dc * cs[t] * f * (1 - f),
                                 dc * i * (1 - g ** 2), dh * tcs[t] * o * (1 - o)], axis=1)
            dW_h += hs[t].T @ dz
            dZ[:, t] = dz
            dh_next, dc_next = dz @ p["W_h"].T, dc * f
        dZ2 = dZ.reshape(-1, 4 * h)
        return {"y": y, "dx": (dZ2 @ p["W_x"].T).reshape(m, T, n),
                "W_x": x.reshape(-1, n).T @ dZ2, "W_h": dW_h, "b": dZ2.sum(axis=0)}
    return step


def _numpy_mha(x, dy, p, heads):
    import numpy as np
    m, T, d = x.shape
    dh = d // heads
    scale = 1 / dh ** 0.5                                              # a Python float: keeps float32
    mask = np.triu(np.full((T, T), -np.inf, x.dtype), 1)

    def split(a):                                                      # (m, T, d) → (m, heads, T, dh)
        return a.reshape(m, T, heads, dh).transpose(0, 2, 1, 3)

    def merge(a):                                                      # and back
        return a.transpose(0, 2, 1, 3).reshape(m, T, d)

    def step():
        Q, K, V = (split(x @ p[f"W_{k}"] + p[f"b_{k}"]) for k in "qkv")
        S = Q @ K.swapaxes(-1, -2) * scale + mask
        A = np.exp(S - S.max(axis=-1, keepdims=True))
        A /= A.sum(axis=-1, keepdims=True)
        O = merge(A @ V)
        y = O @ p["W_o"] + p["b_o"]
        X, dY, O2 = x.reshape(-1, d), dy.reshape(-1, d), O.reshape(-1, d)
        out = {"y": y, "W_o": O2.T @ dY, "b_o": dY.sum(axis=0)}
        dO = split(dy @ p["W_o"].T)
        dV = A.swapaxes(-1, -2) @ dO
        dA = dO @ V.swapaxes(-1, -2)
        dS = A * (dA - (dA * A).sum(axis=-1, keepdims=True)) * scale
        dQ, dK = dS @ K, dS.swapaxes(-1, -2) @ Q
        dx = 0
        for k, g in zip("qkv", (dQ, dK, dV)):
            g = merge(g).reshape(-1, d)
            out[f"W_{k}"], out[f"b_{k}"] = X.T @ g, g.sum(axis=0)
            dx = dx + g @ p[f"W_{k}"].T
        out["dx"] = dx.reshape(m, T, d)
        return out
    return step


def torch_step(kind, size, dtype):
    """PyTorch's module on the same weights: forward, then ``autograd.grad`` of the output
    with ∂E/∂y = dy (what ``(y * dy).sum().backward()`` computes, without its two extra
    operations) for x and every parameter. ``step.result()`` maps them to nnbook's names."""
    import numpy as np
    import torch
    dt = getattr(torch, dtype)
    x_np, dy_np, p = weights(kind, size, dtype)
    x = torch.tensor(x_np, requires_grad=True)
    dy = torch.tensor(dy_np)

    def tensor(a):
        return torch.tensor(np.ascontiguousarray(a))
    if kind == "LSTM":
        mod = torch.nn.LSTM(size[2], size[3], batch_first=True, dtype=dt)
        with torch.no_grad():
            mod.weight_ih_l0.copy_(tensor(p["W_x"].T))
            mod.weight_hh_l0.copy_(tensor(p["W_h"].T))
            mod.bias_ih_l0.copy_(tensor(p["b"]))
            mod.bias_hh_l0.zero_()

        def forward():
            return mod(x)[0]
    else:
        mod = torch.nn.MultiheadAttention(size[2], size[3], batch_first=True, dtype=dt)
        with torch.no_grad():
            mod.in_proj_weight.copy_(tensor(np.concatenate([p[f"W_{k}"].T for k in "qkv"])))
            mod.in_proj_bias.copy_(tensor(np.concatenate([p[f"b_{k}"] for k in "qkv"])))
            mod.out_proj.weight.copy_(tensor(p["W_o"].T))
            mod.out_proj.bias.copy_(tensor(p["b_o"]))
        mask = torch.nn.Transformer.generate_square_subsequent_mask(size[1], dtype=dt)

        def forward():
            return mod(x, x, x, attn_mask=mask, need_weights=False, is_causal=True)[0]
    mod.train()
    inputs = [x, *mod.parameters()]

    def step():
        return torch.autograd.grad(forward(), inputs, dy)              # ∂E/∂x and the parameters'

    def result():
        y = forward()
        grads = [g.detach().numpy() for g in torch.autograd.grad(y, inputs, dy)]
        out = {"y": y.detach().numpy(), "dx": grads[0]}
        named = dict(zip([n for n, _ in mod.named_parameters()], grads[1:]))
        if kind == "LSTM":
            out.update(W_x=named["weight_ih_l0"].T, W_h=named["weight_hh_l0"].T, b=named["bias_ih_l0"])
        else:
            d = size[2]
            for j, k in enumerate("qkv"):
                out[f"W_{k}"] = named["in_proj_weight"][j * d:(j + 1) * d].T
                out[f"b_{k}"] = named["in_proj_bias"][j * d:(j + 1) * d]
            out.update(W_o=named["out_proj.weight"].T, b_o=named["out_proj.bias"])
        return out
    step.result = result
    step.forward = forward
    return step


def torch_attention_ops(dtype="float64", size=None):
    """The aten operators one training forward + backward of the torch MHA step runs whose
    names mention attention (e.g. ``aten::_scaled_dot_product_flash_attention_for_cpu``):
    which SDPA path PyTorch took."""
    import torch
    step = torch_step("MHA", size or SIZES["MHA"], dtype)
    step()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        step()
    return sorted({e.key for e in prof.key_averages() if "attention" in e.key.lower()})


def child(side, threads, tiny=False, seconds=0.3):
    if side == "torch":
        import torch
        if threads == "1":
            torch.set_num_threads(1)
    make = {"nnbook": nnbook_step, "numpy": numpy_step, "torch": torch_step}[side]
    sizes = TINY if tiny else SIZES
    times = {}
    for kind in KINDS:
        for dtype in DTYPES:
            step = make(kind, sizes[kind], dtype)
            times[f"{kind}:{dtype}"] = best_time(step, seconds=seconds / 2)
            times[f"{kind}:{dtype}:cpu"] = best_time(step, seconds=seconds / 2,
                                                     clock=time.process_time)
    if side == "torch":
        times["sdpa_ops"] = torch_attention_ops("float64", sizes["MHA"])
    return times


def main(with_torch=True, rounds=3, tiny=False, seconds=0.3, modes=("1", "default")):
    """Measure; returns rows as bench_layers.main's ("…, 1 thread" / "…, default threads"),
    with the one-thread CPU times and their ratio added (``*_cpu_1t_s``, ``ratio_vs_torch_cpu_1t``,
    the same on both rows of a case; measured only when "1" is in ``modes``) and the
    SDPA operators PyTorch ran (``torch_sdpa``) on the attention rows."""
    sides = ("nnbook", "numpy", "torch") if with_torch else ("nnbook", "numpy")
    best = best_of_children(__file__, sides, rounds, modes,
                            args=[str(seconds)] + (["--tiny"] if tiny else []))

    def row(threads, kind, dtype):
        key = f"{kind}:{dtype}"
        t_nb, t_np = best[("nnbook", threads, key)], best[("numpy", threads, key)]
        t_th = best.get(("torch", threads, key))
        # CPU time counts every thread's work: only the one-thread runs give a ratio, on both rows
        c_nb, c_th = best.get(("nnbook", "1", key + ":cpu")), best.get(("torch", "1", key + ":cpu"))
        ratio = None if t_th is None else t_nb / t_th
        return {"name": f"{NAMES[kind]} {dtype}, {'1 thread' if threads == '1' else 'default threads'}",
                "nnbook_s": t_nb, "baseline_s": t_np, "torch_s": t_th,
                "ratio_vs_torch": ratio, "ratio_vs_baseline": t_nb / t_np,
                "nnbook_cpu_1t_s": c_nb, "torch_cpu_1t_s": c_th,
                "ratio_vs_torch_cpu_1t": None if c_th is None or not c_th else c_nb / c_th,
                "torch_sdpa": best.get(("torch", threads, "sdpa_ops")) if kind == "MHA" else None,
                "target": f"≤ {TARGET:g}× torch", "value": None,
                "meets_target": None if ratio is None else ratio <= TARGET}
    return [row(threads, kind, dtype) for threads in modes for kind in KINDS for dtype in DTYPES]


def note(rows) -> str:
    """The lines results.md adds under the table for these rows: the one-thread CPU-time
    ratios and the attention kernels PyTorch ran."""
    seq = [r for r in rows if r.get("ratio_vs_torch_cpu_1t") is not None and r["name"].endswith(DTYPES)]
    if not seq:
        return ""
    ratios = "; ".join(f"{r['name']}: {r['ratio_vs_torch_cpu_1t']:.2f}" for r in seq)
    text = (f"\nLSTM and attention rows (`bench_sequences.py`), the same ratio in CPU time "
            f"(`time.process_time`, one thread): {ratios}.")
    ops = next((r["torch_sdpa"] for r in rows if r.get("torch_sdpa")), None)
    if ops:
        fused = any("flash" in op or "efficient" in op for op in ops)
        text += (f" PyTorch's `nn.MultiheadAttention(need_weights=False, is_causal=True)` "
                 f"{'ran its fused SDPA kernel' if fused else 'did not run a fused SDPA kernel'} "
                 f"(`{'`, `'.join(op for op in ops if op.startswith('aten::'))}`), forward and backward.")
    return text + "\n"


def print_table(rows, title):
    print(title)
    print(f"{'case':<66}{'nnbook':>11}{'baseline':>11}{'torch':>11}{'nb/base':>8}{'nb/torch':>9}"
          f"{'cpu 1t':>7}  target")
    for r in rows:
        def ratio(key):
            return "—" if r.get(key) is None else f"{r[key]:.2f}"
        mark = {True: "  ok", False: "  MISSED", None: ""}[r["meets_target"]]
        print(f"{r['name']:<66}{fmt_time(r['nnbook_s']):>11}{fmt_time(r['baseline_s']):>11}"
              f"{fmt_time(r['torch_s']):>11}{ratio('ratio_vs_baseline'):>8}{ratio('ratio_vs_torch'):>9}"
              f"{ratio('ratio_vs_torch_cpu_1t'):>7}  {r['target']}{mark}")
    ops = next((r["torch_sdpa"] for r in rows if r.get("torch_sdpa")), None)
    if ops:
        print("PyTorch's attention ran:", ", ".join(ops))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], sys.argv[3], tiny="--tiny" in sys.argv,
                               seconds=float(sys.argv[4]))))
        sys.exit()
    print_table(main(with_torch="--no-torch" not in sys.argv, tiny="--tiny" in sys.argv,
                     rounds=int(os.environ.get("BENCH_ROUNDS", "3"))),
                "LSTM and causal multi-head attention: forward + backward")
