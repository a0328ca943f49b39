"""Part IV benchmark (chapter 23), one thread, float64, greedy, in one process:

- batched cached generation: 16 prompts of 16 tokens, 64 new tokens each, with chapter 20's
  small modern language model of bench_generate.py (the same weights on both sides):
  nnbook's ``nb.generate`` against PyTorch with a KV cache written here on the weights
  ``nb.to_torch`` exports (bench_generate's, for a batch), in tokens per second; target:
  nnbook's time ≤ 1.0× PyTorch's;
- speculative decoding on chapter 20's recipe as chapter 21 trains it (``train_lm(21)``):
  200 tokens after ". " at temperature 1, plain cached generation against
  ``speculative_generate`` with a bigram draft (counts of the training text) for k = 2 and
  4; the value is the speed-up (plain / speculative) and the target forwards per token.

    python benchmarks/bench_serving.py [--tiny] [--no-torch]
"""

from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import bench_generate  # noqa: E402
from timing import best_time  # noqa: E402

BATCH, N_NEW = 16, 64
TORCH_TARGET = 1.0
NAME = f"batched generation, {BATCH} prompts × {N_NEW} tokens, ch. 20 LM (d=64 V=256)"
SPEC_NAME = "speculative decoding, 200 tokens, ch. 21's model, bigram draft"


def batch_prompts(size, m=BATCH, seed=1):
    import numpy as np
    return np.random.default_rng(seed).integers(0, size["V"], (m, size["prompt"]))


def nnbook_batched(size):
    import nnbook as nb
    model, _ = bench_generate.model_and_prompt(size, "float64")
    ids = batch_prompts(size)
    return lambda: nb.generate(model, ids, size["n_new"], temperature=0)


def torch_batched(size):
    """bench_generate's PyTorch generation with a KV cache, for a batch of m rows."""
    import torch
    import torch.nn.functional as F

    import nnbook as nb
    model, _ = bench_generate.model_and_prompt(size, "float64")
    tm = nb.to_torch(model).eval()
    emb, blocks, out = tm[0], list(tm)[1:-1], tm[-1]
    attn = blocks[0].attn
    h, kv, dh = attn.n_heads, attn.n_kv_heads, attn.d_head
    prompt = torch.tensor(batch_prompts(size))
    m, T0 = prompt.shape
    T_max, n_new = T0 + size["n_new"], size["n_new"]
    freq = attn.rope_base ** (-torch.arange(0, dh, 2, dtype=torch.float64) / dh)
    theta = torch.arange(T_max, dtype=torch.float64)[:, None] * freq
    cos, sin = theta.cos(), theta.sin()

    def rope(x, L):
        c, s = cos[L:L + x.shape[-2]], sin[L:L + x.shape[-2]]
        a, b = x[..., 0::2], x[..., 1::2]
        return torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)

    def step(x, L, K, V):
        z = emb(x)
        t = x.shape[1]
        for blk, Kb, Vb in zip(blocks, K, V):
            a, n = blk.attn, blk.norm1(z)
            q = rope(a.q(n).view(m, t, h, dh).transpose(1, 2), L)
            Kb[:, :, L:L + t] = rope(a.k(n).view(m, t, kv, dh).transpose(1, 2), L)
            Vb[:, :, L:L + t] = a.v(n).view(m, t, kv, dh).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, Kb[:, :, :L + t], Vb[:, :, :L + t],
                                               is_causal=t > 1, enable_gqa=True)
            z = z + a.o(y.transpose(1, 2).reshape(m, t, -1))
            z = z + blk.ffn(blk.norm2(z))
        return out(z[:, -1])

    def generate():
        with torch.inference_mode():
            K = [torch.empty((m, kv, T_max, dh), dtype=torch.float64) for _ in blocks]
            V = [torch.empty((m, kv, T_max, dh), dtype=torch.float64) for _ in blocks]
            ids_out = torch.empty((m, T_max), dtype=torch.int64)
            ids_out[:, :T0] = prompt
            x, L = prompt, 0
            for t in range(T0, T0 + n_new):
                ids_out[:, t] = step(x, L, K, V).argmax(dim=-1)
                x, L = ids_out[:, t:t + 1], t
            return ids_out.numpy()
    return generate


def bigram_draft(corpus, V, rng):
    """A one-layer language model: row a of an Embedding(V, V) holds log p(next | a)."""
    import numpy as np

    import nnbook as nb
    pairs = np.zeros((V, V))
    np.add.at(pairs, (corpus.ids[:-1], corpus.ids[1:]), 1)
    draft = nb.Sequential([nb.Embedding(V, V, rng=rng)])
    draft.layers[0].params["W"][...] = np.log((pairs + 0.5) /
                                              (pairs + 0.5).sum(axis=1, keepdims=True))
    return draft


def speculative_rows(tiny=False, seconds=1.0):
    import numpy as np

    import nnbook as nb
    from nnbook.experiments.decoding import train_lm
    model, corpus, _ = train_lm(21)
    draft = bigram_draft(corpus, len(corpus.vocab), np.random.default_rng(0))
    start, n = corpus.encode(". ")[None], 20 if tiny else 200
    plain = best_time(lambda: nb.generate(model, start, n, rng=np.random.default_rng(1)),
                      seconds=seconds, warmup=1)
    rows = []
    for k in (2, 4):
        stats = {}

        def run():
            stats.update(nb.inference.speculative_generate(
                model, draft, start, n, n_draft=k, rng=np.random.default_rng(1))[1])
        t = best_time(run, seconds=seconds, warmup=1)
        rows.append({"name": f"{SPEC_NAME}, k={k}", "nnbook_s": t, "baseline_s": plain,
                     "ratio_vs_baseline": t / plain, "torch_s": None, "ratio_vs_torch": None,
                     "value": round(plain / t, 2),
                     "forwards_per_token": stats["target_forwards"] / n,
                     "target": "speed-up over plain cached generation (reported)",
                     "meets_target": None})
    return rows


def main(with_torch=True, tiny=False, seconds=1.0):
    """Rows: batched generation against PyTorch (target ≤ 1.0×), speculative speed-ups."""
    size = bench_generate.TINY if tiny else dict(bench_generate.SIZE, n_new=N_NEW)
    t_nb = best_time(nnbook_batched(size), seconds=seconds, warmup=1)
    t_th = None
    if with_torch:
        import torch
        torch.set_num_threads(1)
        t_th = best_time(torch_batched(size), seconds=seconds, warmup=1)
    ratio = None if t_th is None else t_nb / t_th
    tokens = BATCH * size["n_new"]
    rows = [{"name": NAME, "nnbook_s": t_nb, "torch_s": t_th, "ratio_vs_torch": ratio,
             "baseline_s": None, "ratio_vs_baseline": None, "value": None,
             "nnbook_tokens_per_s": tokens / t_nb,
             "torch_tokens_per_s": None if t_th is None else tokens / t_th,
             "target": f"≤ {TORCH_TARGET:g}× torch",
             "meets_target": None if ratio is None else ratio <= TORCH_TARGET}]
    return rows + speculative_rows(tiny=tiny, seconds=seconds)


def print_table(rows):
    print("Chapter 23: batched cached generation against PyTorch; speculative decoding")
    for r in rows:
        if r["value"] is not None:
            print(f"{r['name']:<80} {r['value']:.2f}× faster than plain "
                  f"({r['forwards_per_token']:.2f} target forwards per token)")
        else:
            th = "—" if r["torch_s"] is None else f"{r['torch_tokens_per_s']:,.0f} tok/s"
            ratio = "—" if r["ratio_vs_torch"] is None else f"{r['ratio_vs_torch']:.2f}×"
            print(f"{r['name']:<80} nnbook {r['nnbook_tokens_per_s']:,.0f} tok/s, torch {th}, "
                  f"time ratio {ratio} (target {r['target']})")


if __name__ == "__main__":
    print_table(main(with_torch="--no-torch" not in sys.argv, tiny="--tiny" in sys.argv,
                     seconds=0.05 if "--tiny" in sys.argv else 1.0))
