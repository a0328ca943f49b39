"""The seeds a claim over seeds runs on: fixed in CI, drawn afresh in `nox -s fresh_seeds`.

A claim test re-runs one of the course's conclusions over seeds (chapter 21's "τ = 0.5 is
accepted more often than τ = 1", chapter 25's "the bounds keep their order") and says how
often the chapter states it holds. In CI it runs on the fixed seeds it names, so CI is
reproducible; the fresh-seeds session sets NNBOOK_FRESH_SEEDS to seeds nobody chose, and
every claim test runs on those instead, so the text stays honest:

    import pytest
    from claims import seeds

    @pytest.mark.claim(stated="every", text="ch25: the bounds keep their order")
    @pytest.mark.parametrize("seed", seeds(4001))
    def test_the_bounds_keep_their_order(seed):
        '''Every seed: the ELBO is a lower bound of log p by Jensen's inequality.'''
        assert ordered(vae_bounds.mixture_vae(seed))

stated="every": what the mathematics guarantees whatever the seed, the reason in a docstring
line that starts "Every seed: " (tests/test_claims_rule.py checks it); one failing fresh seed
fails the fresh run. stated=(k, n): the chapter says "on k of n", a count over a pool of seeds
that includes at least 30 fresh ones (every claim about trained models or sampled runs); the
fresh run fails it when its count is inconsistent with k of n by Fisher's exact test
(simultaneous at 95 % over the run's stated rates). The run itself (drawing the
seeds, two pytest processes, the plugin that records each claim per seed, the interval and the
verdicts) is tests/fresh_seeds.py; CONTRIBUTING.md, "Claims over seeds", says how to use it.
"""

import os

FRESH_SEEDS = "NNBOOK_FRESH_SEEDS"  # comma-separated seeds, set by `nox -s fresh_seeds`


def seeds(*fixed):
    """The seeds a claim test runs on: `fixed` in CI, $NNBOOK_FRESH_SEEDS when it is set."""
    fresh = os.environ.get(FRESH_SEEDS, "").strip()
    if fresh:
        return [int(s) for s in fresh.split(",") if s.strip()]
    return list(fixed)
