"""Part VI benchmark (chapter 29): one GRPO step on chapter 22's policy, nnbook against
PyTorch on the same weights (``nb.to_torch``) and against the same step in plain NumPy, one
thread, each side in its own fresh process, float64 and float32.

The policy is chapter 22's (``sft_rl_dpo.modern_lm``, which chapter 29's RL starts from):
Embedding(26, 32), two of chapter 20's modern blocks (4 heads, 2 key/value heads, RoPE,
SwiGLU with d_ff = 85, RMSNorm, biases on the attention's projections), a final RMSNorm and
Dense(32, 26); its weights are drawn from a fixed seed (a step costs the same trained or not).

One step is ``verifier_rl.grpo_train``'s loop body: the 8 subjects' prompts, G = 8 answers
each (64 rollouts), each written 40 characters long with a KV cache (the prompt read once,
then one token a step; one batch per prompt length, temperature 1, one uniform per row and
step drawn from ``default_rng(SEED)``, made anew for every call so every call draws the same
uniforms), the answers cut at their first . ! or ?, the exact verifier's 0/1 rewards,
GRPO's advantages (``grpo_advantages``, population std), the answers' masked
log-probabilities in one forward of the 64 windows of 48, the policy-gradient loss, one
backward and one AdamW step (lr 0.002, no decay). The Python between (decoding, the
verifier, the padded arrays) is the same function on every side.

- nnbook: ``nb.generate`` (its KV cache), ``policy_gradient_loss``, the model's ``forward``,
  ``backward`` and ``optimizer.step`` (as ``grpo_train``);
- PyTorch: the exported model, a KV cache written here (bench_generate's, in batches) under
  ``torch.inference_mode()``, the same inverse-CDF draw from the same uniforms,
  ``log_softmax`` and ``gather``, ``backward``, ``torch.optim.AdamW``;
- plain NumPy (``numpy_step``): the same computation written out as functions of arrays,
  every backward by hand, no layers, no checks: the floor NumPy itself sets.

Each side writes the same answers and takes the same step (tests/test_bench_grpo.py checks
the texts, the loss, every gradient and every weight after two steps). On this untrained
policy the exact verifier rejects every answer, so every advantage is 0: the timed step does
all its work all the same (no array of the backward or of AdamW is skipped for a zero), and
the tests take their steps with a reward that varies (the answer ends with "!", chapter
22's habit) so that the gradients they compare are not zero. The sides take turns
``rounds`` times and each keeps its fastest single call (timing.best_time), wall clock and
CPU time. OMP, OpenBLAS and MKL are limited to 1 thread before import, and
``torch.set_num_threads(1)``. Target: nnbook ≤ 1.0× PyTorch.

    python benchmarks/bench_grpo.py [--rounds N] [--tiny] [--no-torch]
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from timing import best_of_children, best_time  # noqa: E402

SIZE = dict(subjects=8, G=8, n_new=40)
TINY = dict(subjects=2, G=4, n_new=6)
DTYPES = ("float64", "float32")
NAME = ("ch. 29 GRPO step, ch. 22's policy (2 blocks d=32 GQA RoPE): 64 rollouts of 40 "
        "tokens with the KV cache, rewards, one backward, AdamW")
TARGET = 1.0
LR, SEED, T = 0.002, 29, 48
V, D_MODEL, HEADS, KV_HEADS, D_FF = 26, 32, 4, 2, 85


# --- what every side shares: the policy, the prompts and the Python around the numbers ------

def policy(dtype):
    """Chapter 22's ``modern_lm`` in ``dtype``, its weights from ``default_rng(22)``."""
    import numpy as np

    import nnbook as nb
    r = np.random.default_rng(22)
    emb = nb.Embedding(V, D_MODEL, rng=r, dtype=dtype)
    blocks = [nb.TransformerBlock(D_MODEL, HEADS, D_FF, norm="rmsnorm", ffn="swiglu",
                                  rope=True, n_kv_heads=KV_HEADS, rng=r, dtype=dtype)
              for _ in range(2)]
    return nb.Sequential([emb, *blocks, nb.RMSNorm(D_MODEL, dtype=dtype),
                          nb.Dense(D_MODEL, V, rng=r, dtype=dtype)])


def task(size):
    """``(prompts, corpus)``: each of the first ``subjects`` subjects' prompt G times, and a
    corpus of the course language for its encoder (the 26 characters)."""
    import numpy as np

    import nnbook as nb
    from nnbook.experiments.sft_rl_dpo import TASK
    prompts = [TASK.prompt(s) for s in TASK.subjects[:size["subjects"]]
               for _ in range(size["G"])]
    return prompts, nb.data.language_corpus(300, rng=np.random.default_rng(0))


def by_length(prompts):
    """The rows of each prompt length, shortest first (one generation batch each)."""
    return [(n, [i for i, p in enumerate(prompts) if len(p) == n])
            for n in sorted({len(p) for p in prompts})]


def answers_of(corpus, prompts, rows, ids, n, written):
    """Decode the new tokens of ``rows`` and cut each at its first . ! or ? (``write``)."""
    for i, row in zip(rows, ids):
        text = corpus.decode(row[n:])
        end = min([text.index(c) + 1 for c in ".!?" if c in text], default=len(text))
        written[i] = text[:end]


def exact_reward(prompt, answer):
    """Chapter 29's exact verifier (``verifier_rl.exact_reward``) on the answer's text."""
    from nnbook.experiments.verifier_rl import exact_reward as exact
    return exact(prompt, answer)


def judged(corpus, prompts, written, G, reward):
    """Rewards (``reward(prompt, answer)``), GRPO's advantages and the arrays X, Y, M
    (m, 48) of the answers (``answer_arrays``): inputs, targets and the answer's mask,
    padded with spaces."""
    import numpy as np

    from nnbook.experiments.sft_rl_dpo import TASK
    from nnbook.evaluation.grpo import grpo_advantages
    rewards = np.array([reward(p, TASK.answer_of(w)) for p, w in zip(prompts, written)],
                       dtype=np.float64)
    advantages = grpo_advantages(rewards.reshape(-1, G), "std population").reshape(-1)
    X = np.full((len(prompts), T), corpus.encode(" ")[0])
    Y, M = np.zeros_like(X), np.zeros(X.shape)
    for i, (p, a) in enumerate(zip(prompts, written)):
        ids = corpus.encode(p + a)[: T + 1]
        X[i, : len(ids) - 1], Y[i, : len(ids) - 1] = ids[:-1], ids[1:]
        M[i, len(p) - 1: len(ids) - 1] = 1
    return rewards, advantages, X, Y, M


def draw(p, u):
    """``sample_next``'s inverse-CDF draw: the first token whose cumulative probability
    exceeds u, never past the last possible token. p (m, V), u (m,)."""
    import numpy as np
    ids = (np.cumsum(p, axis=-1) <= u[:, None]).sum(axis=-1)
    return np.minimum(ids, p.shape[-1] - 1 - np.argmax(p[:, ::-1] > 0, axis=-1))


# --- the three sides ------------------------------------------------------------------------

def nnbook_step(size, dtype, reward=exact_reward):
    import numpy as np

    import nnbook as nb
    from nnbook.training.posttraining import policy_gradient_loss
    prompts, corpus = task(size)
    model = policy(dtype)
    model.compile(optimizer=nb.AdamW(lr=LR, weight_decay=0.0),
                  loss=nb.CrossEntropy(from_logits=True))

    def step():
        r, written = np.random.default_rng(SEED), [None] * len(prompts)
        for n, rows in by_length(prompts):
            ids = nb.generate(model, np.array([corpus.encode(prompts[i]) for i in rows]),
                              size["n_new"], rng=r)
            answers_of(corpus, prompts, rows, ids, n, written)
        rewards, advantages, X, Y, M = judged(corpus, prompts, written, size["G"], reward)
        loss, dZ = policy_gradient_loss(model.forward(X, training=True), Y, M, advantages)
        model.backward(dZ, need_dx=False)
        model.optimizer.step(model.gradient_pairs())
        step.last = {"written": written, "rewards": rewards, "loss": loss}
        return loss
    step.model = model
    return step


def torch_step(size, dtype, reward=exact_reward):
    import numpy as np
    import torch
    import torch.nn.functional as F

    import nnbook as nb
    prompts, corpus = task(size)
    tm = nb.to_torch(policy(dtype))
    emb, blocks, norm, out = tm[0], list(tm)[1:-2], tm[-2], tm[-1]
    h, kv, dh = HEADS, KV_HEADS, D_MODEL // HEADS
    T_max, tdtype = max(len(p) for p in prompts) + size["n_new"], getattr(torch, dtype)
    freq = blocks[0].attn.rope_base ** (-torch.arange(0, dh, 2, dtype=torch.float64) / dh)
    theta = torch.arange(T_max, dtype=torch.float64)[:, None] * freq
    cos, sin = theta.cos().to(tdtype), theta.sin().to(tdtype)              # (T_max, dh/2)
    opt = torch.optim.AdamW(tm.parameters(), lr=LR, weight_decay=0.0)

    def rope(x, L):                                   # (m, heads, t, dh) at positions L …
        c, s = cos[L:L + x.shape[-2]], sin[L:L + x.shape[-2]]
        a, b = x[..., 0::2], x[..., 1::2]
        return torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)

    def last_logits(x, L, K, Vc):
        """Logits at the last of the t new positions; their keys and values cached."""
        z = emb(x)                                                    # (m, t, d)
        m, t = x.shape
        for blk, Kb, Vb in zip(blocks, K, Vc):
            a, n = blk.attn, blk.norm1(z)
            q = rope(a.q(n).view(m, t, h, dh).transpose(1, 2), L)
            Kb[:, :, L:L + t] = rope(a.k(n).view(m, t, kv, dh).transpose(1, 2), L)
            Vb[:, :, L:L + t] = a.v(n).view(m, t, kv, dh).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, Kb[:, :, :L + t], Vb[:, :, :L + t],
                                               is_causal=t > 1, enable_gqa=True)
            z = z + a.o(y.transpose(1, 2).reshape(m, t, -1))
            z = z + blk.ffn(blk.norm2(z))
        return out(norm(z[:, -1]))                                    # (m, V)

    def step():
        r, written = np.random.default_rng(SEED), [None] * len(prompts)
        tm.eval()
        with torch.inference_mode():
            for n, rows in by_length(prompts):
                m = len(rows)
                K = [torch.empty((m, kv, n + size["n_new"], dh), dtype=tdtype) for _ in blocks]
                Vc = [torch.empty((m, kv, n + size["n_new"], dh), dtype=tdtype) for _ in blocks]
                ids = torch.empty((m, n + size["n_new"]), dtype=torch.int64)
                ids[:, :n] = torch.tensor(np.array([corpus.encode(prompts[i]) for i in rows]))
                x, L = ids[:, :n], 0
                for t in range(n, n + size["n_new"]):
                    p = torch.softmax(last_logits(x, L, K, Vc), dim=-1)
                    u = torch.from_numpy(r.random(m))
                    new = (torch.cumsum(p, -1) <= u[:, None]).sum(-1)
                    ids[:, t] = torch.minimum(new, V - 1 - torch.argmax(
                        (p.flip(-1) > 0).to(tdtype), dim=-1))
                    x, L = ids[:, t:t + 1], t
                answers_of(corpus, prompts, rows, ids.numpy(), n, written)
        rewards, advantages, X, Y, M = judged(corpus, prompts, written, size["G"], reward)
        tm.train()
        opt.zero_grad()
        logp = torch.log_softmax(tm(torch.tensor(X)), dim=-1)
        picked = logp.gather(-1, torch.tensor(Y)[..., None])[..., 0]       # (m, T)
        seq = (torch.tensor(M, dtype=tdtype) * picked).sum(1)
        loss = -(torch.tensor(advantages, dtype=tdtype) * seq).mean()
        loss.backward()
        opt.step()
        step.last = {"written": written, "rewards": rewards, "loss": float(loss.detach())}
        return loss
    step.model = tm
    return step


def arrays(model, of="params"):
    """Copies of the model's parameters (``of="grads"``: their gradients) by the plain NumPy
    step's names."""
    emb, b1, b2, norm, out = (getattr(layer, of) for layer in model.layers)
    W = {"emb": emb["W"], "gf": norm["gamma"], "Wout": out["W"], "bout": out["b"]}
    keys = {"g1": "ln1.gamma", "g2": "ln2.gamma", "W1": "W_1", "W3": "W_3", "W2": "W_2",
            **{f"{w}{n}": f"attn.{w}_{n}" for w in "Wb" for n in "qkvo"}}
    for i, b in enumerate((b1, b2)):
        W.update({f"{i}.{k}": b[v] for k, v in keys.items()})
    return {k: a.copy() for k, a in W.items()}


def numpy_step(size, dtype, reward=exact_reward):
    """The same step in plain NumPy: the forward written as one function of the weights
    (a KV cache of preallocated arrays while writing, the training forward keeping what the
    backward reads), the backward of every piece by hand (RMSNorm, SwiGLU, the softmax of
    the causal scores, RoPE as the inverse rotation, the grouped heads summed), AdamW's
    update as nnbook writes it, no layers and no checks."""
    import numpy as np
    prompts, corpus = task(size)
    model = policy(dtype)
    attn, eps = model.layers[1].attn, model.layers[1].ln1.eps
    W = arrays(model)
    opt = {k: (np.zeros_like(a), np.zeros_like(a)) for k, a in W.items()}
    count = [0]
    dh, grp, d = D_MODEL // HEADS, HEADS // KV_HEADS, D_MODEL
    T_max = max(T, max(len(p) for p in prompts) + size["n_new"])
    theta = np.arange(T_max)[:, None] * attn.rope_base ** (-np.arange(0, dh, 2) / dh)
    COS, SIN = np.cos(theta).astype(dtype), np.sin(theta).astype(dtype)   # (T_max, dh/2)
    scale = np.dtype(dtype).type(1 / math.sqrt(dh))

    def rope(x, c, s):                               # (m, heads, t, dh), pairs (2i, 2i + 1)
        a, b = x[..., 0::2], x[..., 1::2]
        y = np.empty_like(x)
        y[..., 0::2], y[..., 1::2] = a * c - b * s, a * s + b * c
        return y

    def rms(x, g):
        r = np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
        return x / r * g, r

    def forward(ids, L, K, Vc, keep=None):
        """Logits (m, t, V) of ids (m, t) at positions L …; the keys and values go into
        K, Vc (per block, (m, KV, ≥ L + t, dh)); ``keep`` collects the backward's arrays."""
        m, t = ids.shape
        c, s = COS[L:L + t], SIN[L:L + t]
        x = W["emb"][ids]                                              # (m, t, d)
        pos = np.arange(L, L + t)
        masked = np.tile(np.arange(L + t)[None, :] > pos[:, None], (grp, 1))  # (g·t, L+t)
        for i in range(2):
            b = {k.split(".", 1)[1]: a for k, a in W.items() if k.startswith(f"{i}.")}
            n1, r1 = rms(x, b["g1"])
            q = rope((n1 @ b["Wq"] + b["bq"]).reshape(m, t, HEADS, dh).transpose(0, 2, 1, 3),
                     c, s)
            K[i][:, :, L:L + t] = rope((n1 @ b["Wk"] + b["bk"]).reshape(
                m, t, KV_HEADS, dh).transpose(0, 2, 1, 3), c, s)
            Vc[i][:, :, L:L + t] = (n1 @ b["Wv"] + b["bv"]).reshape(
                m, t, KV_HEADS, dh).transpose(0, 2, 1, 3)
            k, v = K[i][:, :, :L + t], Vc[i][:, :, :L + t]
            qg = q.reshape(m, KV_HEADS, grp * t, dh)                   # heads h = kv·g + j
            S = qg @ k.swapaxes(-1, -2) * scale                        # (m, KV, g·t, L+t)
            S[..., masked] = -np.inf
            P = np.exp(S - S.max(axis=-1, keepdims=True))
            P /= P.sum(axis=-1, keepdims=True)
            O = (P @ v).reshape(m, HEADS, t, dh).transpose(0, 2, 1, 3).reshape(m, t, d)
            x_mid = x + O @ b["Wo"] + b["bo"]
            n2, r2 = rms(x_mid, b["g2"])
            h1, h3 = n2 @ b["W1"], n2 @ b["W3"]
            sig = 1 / (1 + np.exp(-h1))
            a = h1 * sig                                               # SiLU(h₁)
            u = a * h3
            if keep is not None:
                keep.append((x, n1, r1, qg, k, v, P, O, x_mid, n2, r2, h1, h3, sig, a, u))
            x = x_mid + u @ b["W2"]
        nf, rf = rms(x, W["gf"])
        if keep is not None:
            keep.append((x, nf, rf))
        return nf @ W["Wout"] + W["bout"]

    def rms_back(x, r, g, dy):                       # → (∂E/∂x, ∂E/∂γ)
        dxh = dy * g
        dx = dxh / r - x * (np.sum(dxh * x, axis=-1, keepdims=True) / (d * r ** 3))
        return dx, np.sum(dy * x / r, axis=(0, 1))

    def backward(ids, keep, dZ):
        m, t = ids.shape
        c, s = COS[:t], SIN[:t]
        grads = {}
        x, nf, rf = keep[-1]
        grads["Wout"] = nf.reshape(-1, d).T @ dZ.reshape(-1, V)
        grads["bout"] = dZ.sum(axis=(0, 1))
        dx, grads["gf"] = rms_back(x, rf, W["gf"], dZ @ W["Wout"].T)
        for i in (1, 0):
            b = {k.split(".", 1)[1]: a for k, a in W.items() if k.startswith(f"{i}.")}
            x, n1, r1, qg, k, v, P, O, x_mid, n2, r2, h1, h3, sig, a, u = keep[i]
            g = {"W2": u.reshape(-1, D_FF).T @ dx.reshape(-1, d)}
            du = dx @ b["W2"].T
            dh3 = du * a
            dh1 = du * h3 * (sig * (1 + h1 * (1 - sig)))               # SiLU'(h₁)
            g["W1"] = n2.reshape(-1, d).T @ dh1.reshape(-1, D_FF)
            g["W3"] = n2.reshape(-1, d).T @ dh3.reshape(-1, D_FF)
            dn, g["g2"] = rms_back(x_mid, r2, b["g2"], dh1 @ b["W1"].T + dh3 @ b["W3"].T)
            dx = dx + dn
            g["Wo"] = O.reshape(-1, d).T @ dx.reshape(-1, d)
            g["bo"] = dx.sum(axis=(0, 1))
            dOg = (dx @ b["Wo"].T).reshape(m, t, HEADS, dh).transpose(0, 2, 1, 3).reshape(
                m, KV_HEADS, grp * t, dh)
            dP = dOg @ v.swapaxes(-1, -2)                              # (m, KV, g·t, t)
            dv = P.swapaxes(-1, -2) @ dOg                              # (m, KV, t, dh)
            dS = P * (dP - np.sum(dP * P, axis=-1, keepdims=True)) * scale
            dq = rope((dS @ k).reshape(m, HEADS, t, dh), c, -s)        # the inverse turn
            dk = rope(dS.swapaxes(-1, -2) @ qg, c, -s)
            flat = n1.reshape(-1, d).T
            dn = 0
            for name, dy, heads in (("q", dq, HEADS), ("k", dk, KV_HEADS), ("v", dv, KV_HEADS)):
                dy = dy.transpose(0, 2, 1, 3).reshape(m * t, heads * dh)
                g[f"W{name}"], g[f"b{name}"] = flat @ dy, dy.sum(axis=0)
                dn = dn + dy @ b[f"W{name}"].T
            dn, g["g1"] = rms_back(x, r1, b["g1"], dn.reshape(m, t, d))
            dx = dx + dn
            grads.update({f"{i}.{k}": a for k, a in g.items()})
        grads["emb"] = np.zeros_like(W["emb"])
        np.add.at(grads["emb"], ids, dx)
        return grads

    def adamw(grads, b1=0.9, b2=0.999, eps_adam=1e-8):
        count[0] += 1
        t = count[0]
        for k, g in grads.items():
            m_, v_ = opt[k]
            m_ *= b1
            m_ += (1 - b1) * g
            v_ *= b2
            v_ += (1 - b2) * g * g
            W[k] -= LR / (1 - b1 ** t) * m_ / (np.sqrt(v_) / math.sqrt(1 - b2 ** t) + eps_adam)

    def step():
        r, written = np.random.default_rng(SEED), [None] * len(prompts)
        for n, rows in by_length(prompts):
            m = len(rows)
            ids = np.empty((m, n + size["n_new"]), dtype=np.int64)
            ids[:, :n] = [corpus.encode(prompts[i]) for i in rows]
            K = [np.empty((m, KV_HEADS, n + size["n_new"], dh), dtype) for _ in range(2)]
            Vc = [np.empty((m, KV_HEADS, n + size["n_new"], dh), dtype) for _ in range(2)]
            x, L = ids[:, :n], 0
            for t in range(n, n + size["n_new"]):
                z = forward(x, L, K, Vc)[:, -1]                          # (m, V)
                p = np.exp(z - z.max(axis=-1, keepdims=True))
                ids[:, t] = draw(p / p.sum(axis=-1, keepdims=True), r.random(m))
                x, L = ids[:, t:t + 1], t
            answers_of(corpus, prompts, rows, ids, n, written)
        rewards, advantages, X, Y, M = judged(corpus, prompts, written, size["G"], reward)
        m = len(prompts)
        K = [np.empty((m, KV_HEADS, T, dh), dtype) for _ in range(2)]
        Vc = [np.empty((m, KV_HEADS, T, dh), dtype) for _ in range(2)]
        keep = []
        Z = forward(X, 0, K, Vc, keep)                                 # (m, T, V)
        Z = Z - Z.max(axis=-1, keepdims=True)
        logp = Z - np.log(np.exp(Z).sum(axis=-1, keepdims=True))
        picked = np.take_along_axis(logp, Y[..., None], axis=-1)[..., 0]
        A, Md = advantages.astype(dtype), M.astype(dtype)
        loss = float(-(A * (Md * picked).sum(axis=1)).mean())
        dZ = -np.exp(logp)                                             # −softmax
        np.put_along_axis(dZ, Y[..., None], np.take_along_axis(dZ, Y[..., None], -1) + 1, -1)
        dZ *= (-A / m)[:, None, None] * Md[..., None]
        step.grads = backward(X, keep, dZ)
        adamw(step.grads)
        step.last = {"written": written, "rewards": rewards, "loss": loss}
        return loss
    step.weights = W
    return step


# --- timing ---------------------------------------------------------------------------------

def child(side, threads="1", tiny=False, seconds=1.0):
    if side == "torch" and threads == "1":
        import torch
        torch.set_num_threads(1)
    make = {"nnbook": nnbook_step, "numpy": numpy_step, "torch": torch_step}[side]
    times = {}
    for dtype in DTYPES:
        step = make(TINY if tiny else SIZE, dtype)
        times[dtype] = best_time(step, seconds=seconds, least=2, warmup=1)
        times[f"{dtype}:cpu"] = best_time(step, seconds=seconds, least=2, warmup=0,
                                          clock=time.process_time)
    return times


def main(with_torch=True, rounds=3, tiny=False, seconds=1.0):
    """Rows like bench_masked.main's (one thread only): name, nnbook_s, torch_s,
    ratio_vs_torch, the CPU-time ones, target, meets_target, numpy_s and numpy_cpu_s (the
    plain NumPy step, ``numpy_step``)."""
    sides = ("nnbook", "numpy", "torch") if with_torch else ("nnbook", "numpy")
    args = [str(seconds)] + (["--tiny"] if tiny else [])
    best = {(side, key): t for (side, _, key), t
            in best_of_children(__file__, sides, rounds, args=args, timeout=1800).items()}
    rows = []
    for dtype in DTYPES:
        t_nb, t_th = best[("nnbook", dtype)], best.get(("torch", dtype))
        c_nb, c_th = best[("nnbook", dtype + ":cpu")], best.get(("torch", dtype + ":cpu"))
        ratio = None if t_th is None else t_nb / t_th
        rows.append({"name": f"{NAME} {dtype}, 1 thread", "nnbook_s": t_nb, "torch_s": t_th,
                     "ratio_vs_torch": ratio, "nnbook_cpu_s": c_nb, "torch_cpu_s": c_th,
                     "ratio_vs_torch_cpu": None if not c_th else c_nb / c_th,
                     "target": f"≤ {TARGET:g}× torch",
                     "meets_target": None if ratio is None else ratio <= TARGET,
                     "numpy_s": best[("numpy", dtype)],
                     "numpy_cpu_s": best[("numpy", dtype + ":cpu")]})
    return rows


def note(rows) -> str:
    """The line results.md adds under Part IV's table for these rows: the plain NumPy step's
    CPU time, its ratio to PyTorch's and nnbook's to it."""
    found = [r for r in rows if r["name"].startswith(NAME) and r.get("numpy_cpu_s")]
    if not found:
        return ""
    parts = []
    for r in found:
        dtype = "float32" if "float32" in r["name"] else "float64"
        vs_torch = ("" if not r.get("torch_cpu_s") else
                    f", {r['numpy_cpu_s'] / r['torch_cpu_s']:.2f} × PyTorch's")
        parts.append(f"{dtype} {r['numpy_cpu_s'] * 1e3:.1f} ms{vs_torch}, nnbook "
                     f"{r['nnbook_cpu_s'] / r['numpy_cpu_s']:.2f} × it")
    return ("\nThe chapter 29 GRPO step in plain NumPy (`bench_grpo.numpy_step`: the same "
            "rollouts, rewards, forward and hand-written backward as functions of the weights, "
            "no layers, no checks), CPU time: " + "; ".join(parts) + ".\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[2], sys.argv[3], tiny="--tiny" in sys.argv,
                               seconds=float(sys.argv[4]))))
        sys.exit()
    from bench_modern import print_table
    n = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
    rows = main(with_torch="--no-torch" not in sys.argv, rounds=n, tiny="--tiny" in sys.argv)
    print_table(rows, "Chapter 29's GRPO step: nnbook against PyTorch and plain NumPy")
    print(note(rows))
