"""Group-relative policy gradients judged exactly (chapter 29): the advantages of GRPO and
its variants, the exact expected update of a softmax bandit by enumerating all 2^G reward
patterns of a group, their closed forms, the share of groups that teach nothing, and PPO's
clipped objective with its hand-written gradient.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..layers.activations import softmax
from ..validate import make_rng

__all__ = ["ADVANTAGE_KINDS", "grpo_advantages", "reward_patterns", "reinforce_gradient",
           "expected_update", "expected_weight", "weight_closed_form", "sampled_updates",
           "zero_variance_share", "ppo_clip"]

ADVANTAGE_KINDS = ("group mean", "std population", "std Bessel", "RLOO", "constant")
MAX_EXACT_COMB = 1000    # weight_closed_form's C(G, k) as floats up to here (1e299 at most)
MAX_GROUP = 10 ** 6      # and its sum over G + 1 counts at most this long


def _kind(owner, kind, scale=1.0):
    """Check ``kind`` (one of ADVANTAGE_KINDS) and the constant kind's ``scale``."""
    if not isinstance(kind, str) or kind not in ADVANTAGE_KINDS:
        raise ValueError(f"{owner}: expected kind to be one of {ADVANTAGE_KINDS}, got {kind!r}. "
                         f"Pass one of these names as written (GRPO's is 'std population').")
    if isinstance(scale, bool) or not (np.isscalar(scale) and np.isreal(scale)
                                       and 0 < scale < np.inf):
        raise ValueError(f"{owner}: expected a positive finite scale (the constant kind "
                         f"divides r − mean by it), got {scale!r}. Dr GRPO uses 1, or G.")
    return kind


def _group_size(owner, G, most=None):
    """Check a group size: an integer ≥ 2, and ≤ ``most`` where the 2^G patterns are listed."""
    if isinstance(G, bool) or not isinstance(G, numbers.Integral) or G < 2:
        raise ValueError(f"{owner}: expected the group size G as an integer ≥ 2 (a group of "
                         f"one has no baseline to compare with), got {G!r}. Draw several "
                         f"answers per prompt: G = 8 is usual.")
    if most is not None and G > most:
        raise ValueError(f"{owner}: lists all 2^G reward patterns, so it expects G ≤ {most}; "
                         f"got G={G}. For a larger G use weight_closed_form(p, G, kind), the "
                         f"same weight as a sum over the number of successes "
                         f"(E[update] = w(p) · reinforce_gradient(logits, success)).")
    return int(G)


def _groups(owner, n):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{owner}: expected n_groups as an integer ≥ 1, got {n!r}. It is how "
                         f"many groups to draw: a few thousand make a good mean.")
    return int(n)


def _numbers(owner, name, x, fix):
    """``x`` as a float64 array, or a ValueError naming ``owner`` (text, None, ragged lists
    and complex numbers are not numbers here)."""
    try:
        a = np.asarray(x)
    except ValueError:                                         # a ragged list
        a = None
    if a is None or a.dtype.kind not in "biuf":
        got = ("a ragged list (rows of different lengths)" if a is None else repr(x)
               if a.ndim == 0 or a.size == 0 else
               f"an array of dtype {a.dtype} (first entry {a.flat[0].item()!r})")
        raise ValueError(f"{owner}: expected {name} as real numbers, got {got}. {fix}")
    return a.astype(np.float64)


def _first_bad(a, bad):
    """The first entry of ``a`` where ``bad`` holds, as text (its index too for an array)."""
    if a.ndim == 0:
        return repr(float(a))
    i = tuple(int(j) for j in np.argwhere(bad)[0])
    return f"{float(a[i])!r} at index {i if len(i) > 1 else i[0]}"


def _finite(owner, what, a, fix):
    """Refuse ``a`` unless every entry is finite, naming the first that is not."""
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{owner}: expected finite {what}, got "
                         f"{_first_bad(a, ~np.isfinite(a))}. {fix}")


def _probability(owner, name, p, fix="Pass a probability between 0 and 1."):
    a = _numbers(owner, name, p, fix)
    bad = ~np.isfinite(a) | (a < 0) | (a > 1)
    if np.any(bad):
        raise ValueError(f"{owner}: expected {name} in [0, 1] (a probability), got "
                         f"{_first_bad(a, bad)}. {fix}")
    return a


def _inside(owner, p):
    """A prompt's success rate p, strictly inside (0, 1) (the weight divides by p(1 − p))."""
    q = _probability(owner, "p", p, "p is a prompt's success rate, e.g. 0.3.")
    if np.any((q == 0) | (q == 1)):
        raise ValueError(f"{owner}: expected p strictly inside (0, 1), got "
                         f"{_first_bad(q, (q == 0) | (q == 1))}; at p = 0 or 1 the gradient "
                         f"itself is 0 and the weight is 0/0. Leave out prompts the policy "
                         f"always or never solves.")
    return q


def grpo_advantages(rewards, kind: str = "std population", *, scale: float = 1.0):
    """The advantage of each answer in its group, by ``kind``:

    - ``"group mean"``: A_i = r_i − mean(r);
    - ``"std population"``: (r_i − mean) / std with ddof 0 (NumPy's default ``np.std``);
    - ``"std Bessel"``: (r_i − mean) / std with ddof 1, √(G/(G−1)) smaller (PyTorch's
      default ``std``, which TRL's ``GRPOTrainer`` calls; the GRPO papers do not say which);
    - ``"RLOO"``: r_i − the mean of the other G − 1 rewards (leave one out);
    - ``"constant"``: (r_i − mean) / ``scale`` (Dr GRPO: no division by the spread).

    A group whose rewards are all equal gets 0 everywhere (it teaches nothing).

    Shapes:
        rewards (G,) or (n_groups, G), one group per row → the same shape; float32 rewards
        give float32 advantages, anything else float64.
    """
    _kind("grpo_advantages", kind, scale)
    fix = "Give each answer its reward as a number (a verdict True/False counts as 1/0)."
    r = _numbers("grpo_advantages", "the rewards", rewards, fix)
    dtype = np.float32 if np.asarray(rewards).dtype == np.float32 else np.float64
    r = r.astype(dtype)
    if r.ndim not in (1, 2) or r.shape[-1] < 2:
        raise ValueError(f"grpo_advantages: expected rewards of shape (G,) or (n_groups, G) "
                         f"with G ≥ 2, got shape {r.shape}. Put one group per row.")
    _finite("grpo_advantages", "rewards", r, "Check the reward function: it must return a "
            "number for every answer (0 when it cannot check).")
    G = r.shape[-1]
    flat = np.all(r == r[..., :1], axis=-1, keepdims=True)    # all equal: no update
    # (tested, not left to r − mean: three rewards of 0.1 have a mean 2⁻⁵⁶ above 0.1, and
    # dividing that rounding by its own spread made every advantage −1)
    centred = np.where(flat, dtype(0), r - r.mean(axis=-1, keepdims=True))
    if kind == "group mean":
        return centred
    if kind == "constant":
        return centred / dtype(scale)
    if kind == "RLOO":
        return centred * dtype(G / (G - 1))            # r_i − (Σr − r_i)/(G − 1)
    ddof = 0 if kind == "std population" else 1
    spread = r.std(axis=-1, keepdims=True, ddof=ddof)
    return np.divide(centred, spread, out=np.zeros_like(centred), where=spread > 0)


def reward_patterns(G: int) -> np.ndarray:
    """Every reward pattern of a group of G answers, each 0 or 1: row j is j in binary.

    Shapes: → (2^G, G) int64."""
    G = _group_size("reward_patterns", G, most=20)
    j = np.arange(2 ** G)[:, None]
    return (j >> np.arange(G)[None, :]) & 1


def _bandit(owner, logits, success):
    z = _numbers(owner, "the logits", logits, "Pass the policy's K logits θ as floats.")
    s = _probability(owner, "success (each answer's probability of reward 1)", success,
                     "s_a is the chance the verifier rewards answer a: 1 if right, 0 if wrong.")
    if z.ndim != 1 or s.shape != z.shape or len(z) < 2:
        raise ValueError(f"{owner}: expected logits (K,) and success (K,) of one shape with "
                         f"K ≥ 2 answers, got {z.shape} and {s.shape}. Give one logit and one "
                         f"success probability per answer.")
    _finite(owner, "logits", z, "A logit of ±inf or NaN makes π NaN; give a large finite "
            "logit (e.g. 30) for a near-certain answer.")
    return z, s, softmax(z[None])[0]


def reinforce_gradient(logits, success) -> np.ndarray:
    """∇_θ J of the bandit's expected reward J = Σ_a π_a s_a, π = softmax(θ):
    π ⊙ (s − J), the update REINFORCE estimates without bias.

    Shapes: logits (K,), success (K,) in [0, 1] → (K,)."""
    _, s, pi = _bandit("reinforce_gradient", logits, success)
    return pi * (s - pi @ s)


def expected_update(logits, success, G: int, kind: str, *, scale: float = 1.0) -> np.ndarray:
    """The exact expectation of GRPO's update on a softmax bandit, (1/G) Σ_i A_i ∇ log π(a_i)
    over a group of G answers drawn from π, each rewarded 1 with probability s_a: the sum
    over all 2^G reward patterns r of P(r) times the pattern's update, where an answer
    rewarded 1 points on average along m₁ = E[∇ log π | r = 1] and one rewarded 0 along m₀.
    An exact sum: computed in float64 whatever the logits' dtype.

    Shapes: logits (K,), success (K,) in [0, 1] → (K,)."""
    _kind("expected_update", kind, scale)
    G = _group_size("expected_update", G, most=20)
    _, s, pi = _bandit("expected_update", logits, success)
    p = float(pi @ s)
    if p in (0.0, 1.0):
        return np.zeros_like(pi)                     # every group has one reward: no update
    m1 = pi * s / p - pi                             # E[e_a − π | r = 1]
    m0 = pi * (1 - s) / (1 - p) - pi                 # E[e_a − π | r = 0]
    R = reward_patterns(G)
    k = R.sum(axis=1)
    prob = p ** k * (1 - p) ** (G - k)               # (2^G,)
    A = grpo_advantages(R.astype(np.float64), kind, scale=scale)
    c1 = (A * R).sum(axis=1) / G
    c0 = (A * (1 - R)).sum(axis=1) / G
    return (prob @ c1) * m1 + (prob @ c0) * m0


def expected_weight(p, G: int, kind: str, *, scale: float = 1.0) -> np.ndarray:
    """How much a prompt of success probability p weighs in the expected update, against
    REINFORCE's gradient: E[update] = w(p) ∇J, with w = E[(1/G) Σ_{r_i=1} A_i] / (p(1 − p)),
    the expectation enumerated over the 2^G patterns. REINFORCE itself is w = 1.

    Shapes: p scalar or (n,) in (0, 1) → the same shape."""
    _kind("expected_weight", kind, scale)
    G = _group_size("expected_weight", G, most=20)
    q = _inside("expected_weight", p)
    R = reward_patterns(G)
    k = R.sum(axis=1)
    A = grpo_advantages(R.astype(np.float64), kind, scale=scale)
    c1 = (A * R).sum(axis=1) / G                              # (2^G,)
    flat = q.reshape(-1, 1)
    prob = flat ** k * (1 - flat) ** (G - k)                  # (n, 2^G)
    w = prob @ c1 / (flat[:, 0] * (1 - flat[:, 0]))
    return w.reshape(q.shape) if q.ndim else float(w[0])


def weight_closed_form(p, G: int, kind: str, *, scale: float = 1.0) -> np.ndarray:
    """``expected_weight`` in closed form: (G − 1)/G for the group mean, 1 for RLOO,
    (G − 1)/(G·scale) for a constant scale, and for the std versions a sum over the number
    of successes k: Σ_k C(G, k) p^k (1 − p)^(G−k) σ_k / (p(1 − p)), σ_k = √(q(1 − q)),
    q = k/G (population), times √((G − 1)/G) for Bessel's std.

    Shapes: p scalar or (n,) in (0, 1) → the same shape."""
    _kind("weight_closed_form", kind, scale)
    G = _group_size("weight_closed_form", G)
    if G > MAX_GROUP:
        raise ValueError(f"weight_closed_form: sums over G + 1 counts of successes, so it "
                         f"expects G ≤ {MAX_GROUP:,}; got G={G:,}. So large a group's std "
                         f"weight is 1/√(p(1 − p)) to within about 1/G.")
    q = _inside("weight_closed_form", p)
    if kind == "group mean":
        return np.full_like(q, (G - 1) / G) if q.ndim else (G - 1) / G
    if kind == "RLOO":
        return np.ones_like(q) if q.ndim else 1.0
    if kind == "constant":
        return np.full_like(q, (G - 1) / (G * scale)) if q.ndim else (G - 1) / (G * scale)
    k = np.arange(G + 1)
    sigma = np.sqrt(k / G * (1 - k / G))
    if kind == "std Bessel":
        sigma = sigma * np.sqrt((G - 1) / G)
    flat = q.reshape(-1, 1)
    if G <= MAX_EXACT_COMB:
        binom = np.array([math.comb(G, i) for i in k], dtype=np.float64)
        pmf = binom * flat ** k * (1 - flat) ** (G - k)
    else:       # C(G, k) overflows float64 from G ≈ 1030: the pmf through log-gammas
        logc = np.array([math.lgamma(G + 1) - math.lgamma(i + 1) - math.lgamma(G - i + 1)
                         for i in k])
        pmf = np.exp(logc + k * np.log(flat) + (G - k) * np.log1p(-flat))
    w = pmf @ sigma / (flat[:, 0] * (1 - flat[:, 0]))
    return w.reshape(q.shape) if q.ndim else float(w[0])


def sampled_updates(logits, success, G: int, kind: str, n_groups: int, *, rng=None,
                    scale: float = 1.0) -> np.ndarray:
    """GRPO's update (1/G) Σ_i A_i (onehot(a_i) − π) for ``n_groups`` groups drawn from the
    bandit, one row per group: their mean estimates ``expected_update``. The answers are
    drawn from π in float64 whatever the dtype, so float32 logits draw the same answers
    and rewards as float64 ones from the same ``rng``; the advantages and the update are
    then computed in the logits' dtype (float32 in, float32 out; anything else float64).

    Shapes: logits (K,), success (K,) → (n_groups, K)."""
    _kind("sampled_updates", kind, scale)
    G = _group_size("sampled_updates", G)
    n = _groups("sampled_updates", n_groups)
    rng = make_rng(rng, "sampled_updates")
    _, s, pi = _bandit("sampled_updates", logits, success)
    dtype = np.float32 if np.asarray(logits).dtype == np.float32 else np.float64
    answers = np.minimum(np.searchsorted(np.cumsum(pi), rng.random((n, G)), side="right"),
                         len(pi) - 1)                                      # (n, G)
    rewards = (rng.random((n, G)) < s[answers]).astype(dtype)
    A = grpo_advantages(rewards, kind, scale=scale)                         # (n, G) dtype
    counts = np.zeros((n, len(pi)), dtype=dtype)
    np.add.at(counts, (np.repeat(np.arange(n), G), answers.ravel()), A.ravel())
    return (counts - A.sum(axis=1, keepdims=True) * pi.astype(dtype)) / dtype(G)


def zero_variance_share(p, G: int):
    """The probability that a group of G rewards (each 1 with probability p) are all equal,
    p^G + (1 − p)^G: the share of groups whose advantages are all 0.

    Shapes: p scalar or array in [0, 1] → the same shape."""
    G = _group_size("zero_variance_share", G)
    q = _probability("zero_variance_share", "p", p, "p is a prompt's success rate, e.g. 0.3.")
    out = q ** G + (1 - q) ** G
    return out if q.ndim else float(out)


def ppo_clip(ratio, advantage, eps: float = 0.2):
    """PPO's clipped objective, to be maximised, per sample: min(ρA, clip(ρ, 1 − ε, 1 + ε)A),
    written by cases: for A ≥ 0 it is min(ρ, 1 + ε)A, for A < 0 max(ρ, 1 − ε)A. Returns
    ``(objective, d_ratio)``; d_ratio is A where ρ is inside the case's bound and exactly 0
    where the clip holds it (A > 0 with ρ > 1 + ε, A < 0 with ρ < 1 − ε). Multiply by ρ for
    the derivative with respect to log π (ρ = π/π_old).

    Shapes: ratio (n,), advantage (n,) → two (n,) arrays (float32 in, float32 out)."""
    rho, A = np.asarray(ratio), np.asarray(advantage)
    if rho.shape != A.shape or rho.ndim != 1 or rho.dtype.kind != "f" or \
            A.dtype.kind not in "biuf":
        raise ValueError(f"ppo_clip: expected ratio and advantage as float arrays of one shape "
                         f"(n,), got {rho.shape} ({rho.dtype}) and {A.shape} ({A.dtype}). "
                         f"Pass one ratio π/π_old (a float) and one advantage per answer.")
    if np.any(rho <= 0) or not np.all(np.isfinite(rho)):
        raise ValueError(f"ppo_clip: expected each ratio π/π_old positive and finite, got "
                         f"{_first_bad(rho, ~(rho > 0) | ~np.isfinite(rho))}. Compute it as "
                         f"np.exp(logp - logp_old) from finite log-probabilities.")
    _finite("ppo_clip", "advantages", A, "Check the rewards that made them "
            "(grpo_advantages rejects a NaN reward).")
    if isinstance(eps, bool) or not (np.isscalar(eps) and np.isreal(eps) and 0 < eps < 1):
        raise ValueError(f"ppo_clip: expected eps in (0, 1), got {eps!r}. 0.2 is usual.")
    A = A.astype(rho.dtype)
    positive = A >= 0
    bound = np.where(positive, np.minimum(rho, 1 + eps), np.maximum(rho, 1 - eps))
    inside = np.where(positive, rho < 1 + eps, rho > 1 - eps)
    return (bound * A).astype(rho.dtype), np.where(inside, A, 0).astype(rho.dtype)
