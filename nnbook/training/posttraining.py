"""The losses of post-training (chapter 22), each returning its value and ∂L/∂logits for a
hand-written training loop: sequence log-probabilities of answers, DPO (Bradley–Terry
preferences) and the policy-gradient loss with group-normalised advantages (GRPO unclipped).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..layers.activations import log_softmax

__all__ = ["sequence_logprobs", "sequence_logprobs_backward", "dpo_loss", "group_advantages",
           "policy_gradient_loss", "sequence_kl"]


def _checked(owner, logits, targets, mask):
    """``logits`` (m, T, V) floats, ``targets`` (m, T) ids in [0, V), ``mask`` (m, T)."""
    z = np.asarray(logits)
    if z.ndim != 3 or z.dtype.kind != "f":
        raise ValueError(f"{owner}: expected logits of shape (m, T, V) (floats: the model's "
                         f"output on the sequences), got shape {z.shape} and dtype {z.dtype}.")
    t, w = np.asarray(targets), np.asarray(mask)
    if t.shape != z.shape[:2] or t.dtype.kind not in "iu":
        raise ValueError(f"{owner}: expected integer targets of shape {z.shape[:2]} (the "
                         f"next token at each position of the logits), got shape {t.shape} and "
                         f"dtype {t.dtype}. Shift the ids by one: targets = ids[:, 1:].")
    if t.size and (t.min() < 0 or t.max() >= z.shape[2]):
        raise ValueError(f"{owner}: targets must lie in [0, {z.shape[2]}) (the vocabulary), "
                         f"got values from {t.min()} to {t.max()}.")
    if w.shape != t.shape or w.dtype.kind not in "biuf":
        raise ValueError(f"{owner}: expected a mask of shape {t.shape}, numbers (1 at the "
                         f"answer's positions, 0 elsewhere), got shape {w.shape} and dtype "
                         f"{w.dtype}. Build it from the "
                         f"prompt lengths, e.g. np.arange(T) >= prompt_length - 1.")
    return z, t, w.astype(z.dtype)


def _finite_floats(owner, name, x, dtype, fix):
    """``x`` as an array of ``dtype`` with finite entries, or a ValueError naming ``owner``
    (text, None, ragged lists, NaN or inf)."""
    a = _real_numbers(owner, x, f"{name} as real numbers", fix).astype(dtype)
    bad = ~np.isfinite(a)
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        raise ValueError(f"{owner}: expected finite {name}, got {float(a[i])} at index "
                         f"{i[0] if len(i) == 1 else i}. {fix}")
    return a


def sequence_logprobs(logits, targets, mask) -> np.ndarray:
    """log π(answer | prompt) per row: Σ_t mask[i, t] · log softmax(logits[i, t])[targets[i, t]].

    Shapes: logits (m, T, V), targets (m, T) integer ids, mask (m, T) → (m,). Position t
    of the logits is the model's distribution of ``targets[:, t]`` (ids shifted by one),
    and the mask keeps the answer's positions (the prompt's get 0)."""
    z, t, w = _checked("sequence_logprobs", logits, targets, mask)
    picked = np.take_along_axis(log_softmax(z), t[..., None], axis=-1)[..., 0]   # (m, T)
    return (w * picked).sum(axis=1)


def sequence_logprobs_backward(logits, targets, mask, d_logp) -> np.ndarray:
    """∂E/∂logits (m, T, V) given ∂E/∂logp (m,): d_logp[i] · mask[i, t] · (onehot − softmax)."""
    z, t, w = _checked("sequence_logprobs_backward", logits, targets, mask)
    d = _finite_floats("sequence_logprobs_backward", "d_logp", d_logp, z.dtype,
                       "Pass ∂E/∂logp, one number per row.")
    if d.shape != z.shape[:1]:
        raise ValueError(f"sequence_logprobs_backward: expected d_logp of shape "
                         f"{z.shape[:1]} (one per row), got {d.shape}.")
    g = -np.exp(log_softmax(z))                                   # −softmax
    np.put_along_axis(g, t[..., None],
                      np.take_along_axis(g, t[..., None], axis=-1) + 1.0, axis=-1)
    return g * (w * d[:, None])[..., None]


def dpo_loss(logits, targets, mask, ref_logprobs, *, beta: float = 0.1):
    """Direct preference optimisation (Rafailov et al. 2023) on pairs, and ∂L/∂logits.

    The batch stacks the preferred answers over the rejected ones (rows [:n] are y_w,
    rows [n:] are y_l for the same prompts: ``np.concatenate([chosen, rejected])``);
    ``ref_logprobs`` (2n,) are the reference model's ``sequence_logprobs`` on the same
    rows. With h = β[(log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l))], the
    Bradley–Terry probability that y_w wins is σ(h), and the loss is the mean over pairs
    of −log σ(h) = log(1 + e^(−h)). Returns ``(loss, d_logits)``."""
    z, t, w = _checked("dpo_loss", logits, targets, mask)
    if len(z) % 2 or not len(z):
        raise ValueError(f"dpo_loss: expected an even number of rows (preferred answers, then "
                         f"rejected ones), got {len(z)}. Stack them with np.concatenate.")
    ref = _finite_floats("dpo_loss", "ref_logprobs", ref_logprobs, z.dtype,
                         "Pass the reference model's sequence_logprobs on the same rows.")
    if ref.shape != z.shape[:1]:
        raise ValueError(f"dpo_loss: expected ref_logprobs of shape {z.shape[:1]} (the "
                         f"reference model's sequence_logprobs on the same rows), got "
                         f"{ref.shape}.")
    if isinstance(beta, bool) or not np.isscalar(beta) or not 0 < beta < np.inf:
        raise ValueError(f"dpo_loss: beta must be a positive number, got {beta!r}; "
                         f"0.1 is the usual choice.")
    n = len(z) // 2
    ratio = sequence_logprobs(z, t, w) - ref                         # log π/π_ref per row
    h = beta * (ratio[:n] - ratio[n:])
    loss = float(np.logaddexp(0.0, -h).mean())
    dh = -np.exp(-np.logaddexp(0.0, h)) / n                          # −σ(−h)/n
    d_logp = np.concatenate([beta * dh, -beta * dh])
    return loss, sequence_logprobs_backward(z, t, w, d_logp)


def group_advantages(rewards, group_size: int, *, normalise: bool = True, eps: float = 1e-6):
    """The advantage of each sample: its reward minus its group's mean (the baseline), and
    divided by the group's standard deviation plus ``eps`` when ``normalise`` (GRPO).
    Groups are consecutive: rows [0, g) answer the first prompt, [g, 2g) the next, …
    A group whose rewards are all equal gets advantage 0 (nothing to learn from it). The
    mean includes the sample's own reward: r_i − mean = ((g−1)/g)(r_i − mean of the others),
    so (without ``normalise``) the expected gradient is (g−1)/g times the true one.

    Shapes: rewards (N,) finite numbers, group_size g ≥ 2 dividing N → (N,)."""
    owner = "group_advantages"
    r = _reward_numbers(owner, rewards)
    if isinstance(group_size, bool) or not isinstance(group_size, (int, np.integer)) or \
            group_size < 1 or r.ndim != 1 or len(r) % group_size:
        raise ValueError(f"{owner}: expected rewards (N,) in groups of group_size "
                         f"consecutive rows (an integer ≥ 2 dividing N), got rewards of shape "
                         f"{r.shape} and group_size={group_size!r}.")
    if group_size == 1:
        raise ValueError(f"{owner}: expected group_size ≥ 2, got 1: a group of one answer is "
                         f"its own baseline, so every advantage would be 0 and nothing would "
                         f"be learnt. Draw several answers per prompt (G = 8 is usual).")
    if not isinstance(normalise, (bool, np.bool_)):
        raise ValueError(f"{owner}: expected normalise=True or False, got {normalise!r}.")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 <= eps < np.inf:
        raise ValueError(f"{owner}: expected eps a finite number ≥ 0 (added to each group's "
                         f"standard deviation), got {eps!r}. The default 1e-6 is usual.")
    bad = ~np.isfinite(r)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"{owner}: expected finite rewards, got {float(r[i])} at position {i} "
                         f"(group {i // group_size}). Check the reward function: it must "
                         f"return a number for every answer (0 when it cannot check).")
    groups = r.reshape(-1, group_size)                            # (N / g, g)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        adv = groups - groups.mean(axis=1, keepdims=True)
        if normalise:
            std = groups.std(axis=1, keepdims=True)
            spread = std + eps
            adv = np.divide(adv, spread, out=np.zeros_like(adv), where=spread > 0)
    # all equal: 0, not r − mean's rounding (three rewards of 0.1 have a mean 2⁻⁵⁶ above)
    flat = np.all(groups == groups[:, :1], axis=1)
    adv[flat] = 0.0
    # rewards near float64's ends (1e200: the squares overflow; 1e-200: they underflow to 0)
    odd = ~flat & ~np.all(np.isfinite(adv), axis=1)
    if normalise:
        odd |= ~flat & ((std[:, 0] == 0) | ~np.isfinite(std[:, 0]))
    if odd.any():
        adv[odd] = _rescaled(owner, groups[odd], normalise, eps)
    return adv.reshape(-1)


def _rescaled(owner, groups, normalise, eps):
    """The advantages of groups whose rewards' squares leave float64's range, computed on
    the rewards divided by each group's largest |r| (the same quantities, scaled back)."""
    c = np.abs(groups).max(axis=1, keepdims=True)                 # > 0: not all equal
    g = groups / c
    adv = g - g.mean(axis=1, keepdims=True)
    with np.errstate(over="ignore", under="ignore"):
        if normalise:
            return adv / (g.std(axis=1, keepdims=True) + eps / c)
        adv = adv * c
    if not np.all(np.isfinite(adv)):
        raise ValueError(f"{owner}: the rewards' differences from their group mean overflow "
                         f"float64 (rewards up to {float(c.max()):.3g}). Rescale the rewards "
                         f"(divide them by a constant), or pass normalise=True.")
    return adv


def _reward_numbers(owner, rewards):
    """``rewards`` as a float64 array, or a ValueError naming ``owner`` (text, None, ragged)."""
    return _real_numbers(owner, rewards, "rewards as real numbers (one per answer)",
                         "Give each answer its reward as a number (a verdict True/False "
                         "counts as 1/0).").astype(np.float64)


def _real_numbers(owner, x, expected, fix):
    """``x`` as an array of booleans, integers or floats, or a ValueError naming ``owner``
    that says what was ``expected`` and the ``fix`` (text, None, a ragged list)."""
    try:
        a = np.asarray(x)
    except ValueError:                                            # a ragged list
        a = None
    if a is None or a.dtype.kind not in "biuf":
        got = "a ragged list" if a is None else f"{x!r:.80}"
        raise ValueError(f"{owner}: expected {expected}, got {got}. {fix}")
    return a


def policy_gradient_loss(logits, targets, mask, advantages):
    """REINFORCE with given advantages: L = −(1/N) Σ_i A_i · log π(y_i | prompt_i), the
    log-probability summed over each answer's masked positions (no clipping, no per-length
    division). Its gradient is the policy-gradient estimate: an unbiased estimate of
    −∇ E[reward] when A_i is the reward minus a baseline that does not depend on y_i.
    Returns ``(loss, d_logits)``."""
    z, t, w = _checked("policy_gradient_loss", logits, targets, mask)
    a = _finite_floats("policy_gradient_loss", "advantages", advantages, z.dtype,
                       "Use group_advantages(rewards, g), which refuses a NaN reward.")
    if a.shape != z.shape[:1]:
        raise ValueError(f"policy_gradient_loss: expected advantages of shape {z.shape[:1]} "
                         f"(one per row), got {a.shape}. Use group_advantages(rewards, g).")
    loss = float(-(a * sequence_logprobs(z, t, w)).mean())
    return loss, sequence_logprobs_backward(z, t, w, -a / len(z))


def sequence_kl(logits, ref_logits, mask) -> np.ndarray:
    """KL(π ‖ π_ref) per row, summed over the masked positions: Σ_t mask[i, t] ·
    Σ_v π(v) (log π(v) − log π_ref(v)), both from logits (m, T, V) → (m,) nats. How far
    post-training moved the model from where it started (reported, not trained on)."""
    z = np.asarray(logits)
    r, w = np.asarray(ref_logits), np.asarray(mask)
    if z.ndim != 3 or r.shape != z.shape or w.shape != z.shape[:2] or \
            z.dtype.kind != "f" or r.dtype.kind != "f" or w.dtype.kind not in "biuf":
        raise ValueError(f"sequence_kl: expected logits and ref_logits of one shape (m, T, V) "
                         f"(floats) and a mask (m, T) of numbers, got {z.shape} ({z.dtype}), "
                         f"{r.shape} ({r.dtype}) and {w.shape} ({w.dtype}). Run both "
                         f"models on the same batch.")
    lp, lq = log_softmax(z), log_softmax(r)
    return (w * (np.exp(lp) * (lp - lq)).sum(axis=-1)).sum(axis=1)
