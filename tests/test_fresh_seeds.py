"""The fresh-seeds run (tests/fresh_seeds.py, `nox -s fresh_seeds`): its Fisher test, the
interval it prints, its verdicts, its seeds, and the plugin's exit status, on small made-up
claims."""

import math
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import fresh_seeds as fs

ROOT = Path(__file__).resolve().parents[1]


# -- the Clopper-Pearson interval ----------------------------------------------------------
def test_the_interval_at_the_ends_has_a_closed_form():
    # k = 0: upper = 1 - (α/2)^(1/n); k = n: lower = (α/2)^(1/n)
    assert fs.clopper_pearson(0, 10) == (0.0, pytest.approx(1 - 0.025 ** 0.1, abs=1e-9))
    assert fs.clopper_pearson(10, 10) == (pytest.approx(0.025 ** 0.1, abs=1e-9), 1.0)


@pytest.mark.parametrize("k, n, expected", [(7, 10, (0.3475, 0.9333)),
                                            (5, 10, (0.1871, 0.8129)),
                                            (1, 20, (0.0013, 0.2487))])
def test_the_interval_matches_published_values(k, n, expected):
    # the beta quantiles Beta(k, n-k+1)_{0.025} and Beta(k+1, n-k)_{0.975}, to 4 places
    assert fs.clopper_pearson(k, n) == pytest.approx(expected, abs=1e-4)


def test_the_interval_tails_are_each_two_and_a_half_per_cent():
    # at its own ends, the observed k sits exactly in a 2.5 % tail: a swapped tail, or a
    # k - 1 / k mix-up, moves one end
    for k, n in [(3, 10), (8, 10), (12, 20)]:
        lower, upper = fs.clopper_pearson(k, n)
        assert 1 - fs.binomial_cdf(k - 1, n, lower) == pytest.approx(0.025, abs=1e-9)
        assert fs.binomial_cdf(k, n, upper) == pytest.approx(0.025, abs=1e-9)


def test_the_interval_covers_the_rate_at_least_95_per_cent_of_the_time():
    # exact coverage over every outcome k of n = 10 trials, on a grid of true rates
    n = 10
    for p in [0.05 * i for i in range(1, 20)]:
        cover = sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)
                    if fs.clopper_pearson(k, n)[0] <= p <= fs.clopper_pearson(k, n)[1])
        assert cover >= 0.95


@pytest.mark.parametrize("k, n", [(3, 2), (-1, 5), (1, 0), (1.0, 3)])
def test_the_interval_names_bad_counts(k, n):
    with pytest.raises(ValueError, match=r"clopper_pearson: got k=.*expected integers"):
        fs.clopper_pearson(k, n)


# -- Fisher's exact test ----------------------------------------------------------------------
def test_fisher_on_the_tea_tasting_table():
    # Fisher's lady tasting tea: 3 of 4 right against 1 of 4, margins 4 and 4 of 8; the
    # counts of the 5 tables, C(4, x) C(4, 4 - x), are 1, 16, 36, 16, 1 of C(8, 4) = 70, and
    # the two-sided p sums those no likelier than 16: 34/70 (the one-sided 17/70 is the
    # mistake of a test that sums one tail)
    assert fs.fisher_exact(3, 4, 1, 4) == pytest.approx(34 / 70, abs=1e-12)
    assert fs.fisher_exact(1, 4, 3, 4) == pytest.approx(34 / 70, abs=1e-12)


def test_fisher_on_small_tables_by_hand():
    # 3 of 3 against 0 of 3: C(3, x) C(3, 3 - x) = 1, 9, 9, 1 of 20; p = 2/20
    assert fs.fisher_exact(3, 3, 0, 3) == pytest.approx(0.1, abs=1e-12)
    # 3 of 3 against 1 of 3: C(4, x) C(2, 3 - x) = 4, 12, 4 for x = 1, 2, 3; p = 8/20
    assert fs.fisher_exact(3, 3, 1, 3) == pytest.approx(0.4, abs=1e-12)
    # 10 of 10 against 0 of 10: C(10, x)^2, the two ends 1 each, of C(20, 10) = 184756
    assert fs.fisher_exact(10, 10, 0, 10) == pytest.approx(2 / 184756, rel=1e-12)
    # 40 of 40 against 9 of 10: C(49, 9) or C(49, 10) of C(50, 10); p = 10/50
    assert fs.fisher_exact(40, 40, 9, 10) == pytest.approx(0.2, abs=1e-12)
    # one table only (every seed passed in both): p = 1; equal rates: the likeliest table
    assert fs.fisher_exact(10, 10, 10, 10) == 1.0
    assert fs.fisher_exact(5, 10, 5, 10) == pytest.approx(1.0, abs=1e-12)


def test_fisher_is_symmetric_in_its_two_samples():
    # swapping the pool and the fresh run leaves the table's p: a mixed-up margin breaks it
    for k, n, x, N in [(57, 70, 5, 10), (2, 9, 4, 5), (30, 31, 7, 10)]:
        assert fs.fisher_exact(k, n, x, N) == pytest.approx(fs.fisher_exact(x, N, k, n),
                                                            rel=1e-12)


def test_fisher_holds_its_level_when_both_share_one_rate():
    # exact size over every pair of counts, 31 pooled seeds and 10 fresh, on a grid of true
    # rates: rejecting at p <= 0.05 happens at most 5 % of the time (the test is exact)
    for q in [0.1 * i for i in range(1, 10)] + [0.97]:
        pk = [math.comb(31, k) * q**k * (1 - q) ** (31 - k) for k in range(32)]
        px = [math.comb(10, x) * q**x * (1 - q) ** (10 - x) for x in range(11)]
        size = sum(pk[k] * px[x] for k in range(32) for x in range(11)
                   if fs.fisher_exact(k, 31, x, 10) <= 0.05)
        assert size <= 0.05


@pytest.mark.parametrize("k, n, x, N", [(3, 2, 1, 1), (1, 1, -1, 2), (0, 0, 1, 1),
                                        (1.0, 3, 1, 1)])
def test_fisher_names_bad_counts(k, n, x, N):
    with pytest.raises(ValueError, match=r"fisher_exact: got .*expected integers"):
        fs.fisher_exact(k, n, x, N)


# -- the verdicts ----------------------------------------------------------------------------
def test_every_seed_means_every_fresh_seed():
    assert fs.verdict("every", 10, 10)[0]
    ok, why = fs.verdict("every", 9, 10)
    assert not ok and "fails on 1" in why


def test_a_stated_rate_is_judged_against_the_fresh_count_by_fisher():
    # the stated k of n is a count over a pool, not a known rate: 40 of 40 against 9 of 10
    # fresh (p = 0.2) stands, where the old verdict (1.0 outside 9/10's interval [0.56, 1.0])
    # made one failing fresh seed refute it, "every" in disguise
    ok, why = fs.verdict((40, 40), 9, 10)
    assert ok and "p = 0.2 > 0.05" in why, why
    assert fs.verdict((3, 3), 0, 3)[0]                 # p = 0.1: three seeds each say little
    assert not fs.verdict((10, 10), 0, 10)[0]          # p = 1.1e-5
    ok, why = fs.verdict((57, 70), 5, 10)              # p = 0.041
    assert not ok and "p = 0.041 <= 0.05" in why, why
    assert "[0.19, 0.81]" in why                       # the fresh 5/10's 95 % interval
    assert not fs.verdict("every", 0, 0)[0]            # a claim that never ran is unchecked


def test_a_runs_tests_are_simultaneous_over_its_stated_rates():
    # one claim: 0.05; fifty: each at 0.001, so a run of fifty true rates raises a false
    # alarm at most 5 % of the time (at 0.05 each, far more often)
    assert fs.claim_level(1) == pytest.approx(0.95)
    assert fs.claim_level(50) == pytest.approx(0.999)
    assert not fs.verdict((57, 70), 5, 10)[0]                      # p = 0.041 <= 0.05
    assert fs.verdict((57, 70), 5, 10, fs.claim_level(50))[0]      # > 0.001
    assert not fs.verdict((57, 70), 2, 10, fs.claim_level(50))[0]  # p = 0.00022: refuted
    rec = [{"claim": f"t::c{i}", "stated": [57, 70], "text": "c", "seed": s,
            "outcome": "passed" if s < 5 else "failed"} for i in range(50) for s in range(10)]
    rows = fs.summarise(rec)
    assert all(row["ok"] for row in rows)
    assert "50 rates, each at p <= 0.001 (Bonferroni)" in fs.report(rows)[-2]
    assert not fs.summarise(rec[:10])[0]["ok"]                     # one claim alone: 0.05


@pytest.mark.parametrize("stated", ["all", (11, 10), (3,), None, (0.7, 1)])
def test_a_stated_rate_must_be_every_or_k_of_n(stated):
    with pytest.raises(ValueError, match=r"got stated=.*expected \"every\" or \(k, n\)"):
        fs.verdict(stated, 1, 2)


def test_a_seed_counts_as_failed_when_any_phase_failed_and_skips_fail_the_claim():
    rec = [{"claim": "t::a", "stated": "every", "text": "a", "seed": 1, "outcome": "passed"},
           {"claim": "t::a", "stated": "every", "text": "a", "seed": 1, "outcome": "failed"},
           {"claim": "t::a", "stated": "every", "text": "a", "seed": 2, "outcome": "passed"},
           {"claim": "t::b", "stated": [1, 2], "text": "b", "seed": 1, "outcome": "passed"},
           {"claim": "t::b", "stated": [1, 2], "text": "b", "seed": 2, "outcome": "skipped"}]
    a, b = fs.summarise(rec)
    assert (a["passed"], a["n"], a["failed"], a["ok"]) == (1, 2, [1], False)
    assert (b["stated"], b["passed"], b["n"], b["skipped"], b["ok"]) == ((1, 2), 1, 1, [2], False)
    assert fs.report([a, b])[-1] == "2 claims, 2 contradicted by the fresh seeds"
    assert fs.report([a, b])[-2].startswith("stated rates judged by Fisher's exact test")


# -- the seeds ---------------------------------------------------------------------------------
def test_fresh_seeds_avoid_the_courses_and_leave_room_for_pools():
    drawn = fs.draw_seeds(50)
    assert len(set(drawn)) == 50 and min(drawn) >= fs.FIRST_FRESH and max(drawn) < 2**31
    assert min(b - a for a, b in zip(drawn, drawn[1:])) >= fs.SPACING
    assert fs.draw_seeds(3, base=200_000) == [200_000, 200_100, 200_200]
    with pytest.raises(ValueError, match=r"draw_seeds: got base=5.*below FIRST_FRESH"):
        fs.draw_seeds(3, base=5)


SEED_LITERAL = re.compile(r"(?:default_rng|seeds|SeedSequence)\(\s*([\d_][\d_, ]*)\)"
                          r"|\bseed\s*=\s*(\d[\d_]*)|\bSEEDS?\s*=\s*\(?([\d_][\d_, ]*)\)?"
                          r"|\brange\((\d[\d_]*), (\d[\d_]*)\)")


def test_every_seed_the_course_writes_down_is_below_the_fresh_range():
    # a notebook, test or experiment that chose a seed >= FIRST_FRESH could collide with a
    # fresh one: the fresh run would then re-run a seed the text was written from
    found = []
    files = [*ROOT.glob("nnbook/**/*.py"), *ROOT.glob("tests/*.py"), *ROOT.glob("tools/*.py"),
             *ROOT.glob("notebooks/*.ipynb")]
    for path in files:
        if path.name in ("fresh_seeds.py", "test_fresh_seeds.py"):
            continue
        for match in SEED_LITERAL.finditer(path.read_text(encoding="utf-8")):
            for group in filter(None, match.groups()):
                found += [(int(x), path.name) for x in group.replace("_", "").split(",")
                          if x.strip()]
    assert len(found) > 100                       # the pattern still finds the seeds
    assert max(found)[0] < fs.FIRST_FRESH, sorted(found)[-5:]


# -- the plugin: exit status from the verdicts -------------------------------------------------
CLAIMS = """
    import pytest
    from claims import seeds

    @pytest.mark.claim(stated="every", text="ch99: even seeds")
    @pytest.mark.parametrize("seed", seeds(2))
    def test_even(seed):
        assert seed % 2 == 0

    @pytest.mark.claim(stated=(1, 2), text="ch99: seeds below 150")
    @pytest.mark.parametrize("seed", seeds(100))
    def test_small(seed):
        assert seed < 150
"""


def run_fresh(tmp_path, seeds, *args):
    (tmp_path / "test_claims_demo.py").write_text(textwrap.dedent(CLAIMS))
    (tmp_path / "conftest.py").write_text(     # what tests/conftest.py does, alone
        f"import os, sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\nimport fresh_seeds\n"
        "def pytest_configure(config):\n"
        "    if os.environ.get('NNBOOK_FRESH_SEEDS'):\n"
        "        config.pluginmanager.register(fresh_seeds.Recorder(), 'fresh_seeds')\n")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    claim(stated, text): a claim\n")
    env = {"NNBOOK_FRESH_SEEDS": seeds, "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(ROOT), "NNBOOK_FRESH_RESULTS": str(tmp_path / "out.json")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), str(tmp_path), *args],
                          capture_output=True, text=True, env=env, cwd=tmp_path)


def test_the_run_passes_when_failures_fit_the_stated_rate(tmp_path):
    # seed 200 fails "below 150" (1 of 2 stated: fits), every seed is even
    run = run_fresh(tmp_path, "100,200")
    assert run.returncode == 0, run.stdout[-2000:]
    assert "ok   stated   1/2  fresh 1/2 failed on [200]" in run.stdout
    assert (tmp_path / "out.json").exists()


def test_the_run_fails_when_a_claim_for_every_seed_fails_once(tmp_path):
    run = run_fresh(tmp_path, "100,201")
    assert run.returncode == 1, run.stdout[-2000:]
    assert "FAIL stated every  fresh 1/2 failed on [201]" in run.stdout
    assert "2 claims, 1 contradicted by the fresh seeds" in run.stdout


def test_where_the_time_goes_sums_each_file_over_its_claims_and_seeds():
    # a file's claims share cached runs: its cost is the sum over its claims and seeds,
    # ranked largest first (a per-claim ranking would put a cheap reader of a cache first)
    records = [{"claim": "tests/test_claims_over_seeds_21_22.py::test_a", "seconds": 30.0},
               {"claim": "tests/test_claims_over_seeds_21_22.py::test_b", "seconds": 0.5},
               {"claim": "tests/test_claims_over_seeds_00_06.py::test_c", "seconds": 20.0},
               {"claim": "tests/test_claims_over_seeds_00_06.py::test_c", "seconds": 20.0}]
    line = fs.where_the_time_goes(records)
    assert line.endswith("test_claims_over_seeds_00_06.py 40, test_claims_over_seeds_21_22.py 30")
    assert fs.where_the_time_goes(records, top=1).endswith("00_06.py 40")



def test_a_default_run_leaves_the_heavy_claims_out_and_heavy_takes_them():
    # the mistake: --heavy that selects nothing more, or a default run past its budget
    assert fs.claims_selected(False) == "claim and not heavy"
    assert fs.claims_selected(True) == "claim"


def test_heavy_claims_marked_ci_still_run_in_ci():
    # heavy(ci=True) (chapters 27-28's trained models) is left out of a default fresh run
    # (the -m expression above) but not skipped in CI; the mistake caught: a conftest that
    # skips it (CI would lose the claim on its fixed seed) or one that ignores ci=False
    from conftest import skipped_as_heavy
    assert skipped_as_heavy(pytest.mark.heavy.mark, heavy=False)
    assert not skipped_as_heavy(pytest.mark.heavy(ci=True).mark, heavy=False)
    assert not skipped_as_heavy(pytest.mark.heavy.mark, heavy=True)
    assert not skipped_as_heavy(None, heavy=False)


def test_heavy_claims_are_skipped_outside_nnbook_heavy():
    # CI (no NNBOOK_HEAVY) skips chapter 20's rematch claims, naming the command that runs
    # them; the mistake caught: a conftest that lets them run (and cost CI minutes)
    env = {k: v for k, v in os.environ.items()
           if k not in ("NNBOOK_HEAVY", "NNBOOK_FRESH_SEEDS")}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-n", "0", "-m", "heavy", "-rs",
                          "tests/test_claims_over_seeds_20_20.py"],
                         capture_output=True, text=True, cwd=ROOT, env=env)
    assert run.returncode == 0, run.stdout[-2000:]
    assert re.search(r"\b5 skipped\b", run.stdout) and "passed" not in run.stdout, run.stdout
    assert "nox -s fresh_seeds -- --heavy" in run.stdout


def test_claim_files_named_narrow_the_run_and_the_rest_goes_to_pytest():
    # (a file named after the options ran every claim file before: session 52)
    every, rest = fs.claim_files(["-k", "ch19"])
    assert len(every) > 10 and rest == ["-k", "ch19"]
    one = "tests/test_claims_over_seeds_19_19.py"
    assert fs.claim_files([one, "-x"]) == ([one], ["-x"])
    assert fs.claim_files([one + "::test_a"]) == ([one + "::test_a"], [])

