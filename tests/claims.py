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


# -- claims counted over a stored pool of seeds (chapters 35 and 36) ------------------------
def claim_tests(namespace, prefix):
    """``{name: test}`` of the tests in ``namespace`` (a claims file's ``globals()``) whose
    name starts with ``prefix`` and that are marked ``claim``."""
    return {name: test for name, test in sorted(namespace.items())
            if name.startswith(prefix) and any(m.name == "claim"
                                               for m in getattr(test, "pytestmark", []))}


def stated(test):
    """The ``stated`` of a claim test's mark: "every" or ``(k, n)``."""
    return next(m for m in test.pytestmark if m.name == "claim").kwargs["stated"]


def passes_on_pool(test, pool, module, row_functions, monkeypatch):
    """On how many of the stored ``pool``'s seeds (a ``SeedTable``) the claim ``test``'s own
    assertion holds, with ``module``'s functions ``row_functions`` (those that run the
    experiment on a seed) replaced by the pool's stored rows."""
    rows = {r["seed"]: r for r in pool.rows()}
    for name in row_functions:
        monkeypatch.setattr(module, name, rows.__getitem__)
    passed = 0
    for seed in pool.seeds:
        try:
            test(seed)
        except AssertionError:
            continue
        passed += 1
    return passed


def pool_mismatches(pool_name, table_names):
    """The ``(table, seed)`` of every stored table's row that is not the pool's row of that
    seed to 1e-6 (the tables may come from other BLAS kernels): [] when the pool and the
    chapter's tables come from one experiment."""
    from nnbook.experiments.seeds import stored
    pool = {r["seed"]: r for r in stored(pool_name).rows()}
    return [(name, r["seed"]) for name in table_names for r in stored(name).rows()
            if not all(abs(pool[r["seed"]][c] - v) < 1e-6 for c, v in r.items())]
