"""The fresh-seeds run: every claim test on seeds nobody chose, and its verdict per claim.

`nox -s fresh_seeds` runs this file as a script (`python tests/fresh_seeds.py --seeds 10`).
It draws the seeds and prints them first, then starts two pytest processes (the machine's
two cores), each on half of the seeds with NNBOOK_FRESH_SEEDS set (tests/claims.py), over
every test marked `claim` in tests/test_claims_over_seeds_*.py (those also marked `heavy`
only with --heavy: chapter 19's and 20's half-minute claims and Part V's trained models, left
out to keep ten seeds within 15 minutes). In each process
tests/conftest.py registers `Recorder` (below), which notes every claim test's outcome per
seed and writes them to $NNBOOK_FRESH_RESULTS; the script merges the two files and prints
one line per claim: the stated rate, the fresh rate k/N with the seeds that failed, and the
verdict.

A claim stated for "every" seed fails the run when any fresh seed fails it: "every" is kept
for what the mathematics guarantees whatever the seed (the claim's docstring says why, in a
line that starts "Every seed: "; tests/test_claims_rule.py checks it). A claim stated as
(k, n) ("on 29 of 31 seeds") is itself a count over a pool of seeds, at least 30 of them fresh
ones: the run fails it when the fresh count is inconsistent with it, by a two-sided Fisher
exact test of the 2 x 2 table (the pool's k passed of n against the fresh run's passed of N:
"were they drawn at the same rate?"). The tests of a run are simultaneous at 95 %: with m
claims stated as rates, each is judged at the level 0.05/m (Bonferroni), so that when every
stated pool and the fresh seeds share their true rate, the whole run raises a false alarm at
most 5 % of the time. (Judged instead as a known rate inside the fresh rate's interval, a
claim stated as 40 of 40 was contradicted by one fresh seed failing: "every" in disguise.
Fisher's test counts the pool's own chance: 40 of 40 and 9 of 10 fresh give p = 0.2.) The
run fails too when a test errors outside the claims, or a claim test is skipped on a seed (a
claim that ran on no seed was not checked).

The fresh seeds are drawn from [FIRST_FRESH, 2**31): every seed the course uses is below
FIRST_FRESH (tests/test_fresh_seeds.py checks the repository for larger ones), and the drawn
seeds lie at least SPACING apart, so a claim over a pool of ten starts (`range(seed, seed +
10)`) never shares a start with another seed's pool.
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

FRESH_SEEDS = "NNBOOK_FRESH_SEEDS"      # = claims.FRESH_SEEDS (the seeds of this process)
RESULTS = "NNBOOK_FRESH_RESULTS"        # where this process's Recorder writes its outcomes
HEAVY = "NNBOOK_HEAVY"                  # = conftest.HEAVY: "1" runs the claims marked heavy
FIRST_FRESH = 100_000                   # every seed the course uses is below this
SPACING = 100                           # fresh seeds lie this far apart at least
ROOT = Path(__file__).resolve().parents[1]


# -- the interval, the test and the verdict ------------------------------------------------
def binomial_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def _solve(f, target):
    """The p in [0, 1] where the decreasing function f(p) equals target (bisection)."""
    lo, hi = 0.0, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > target else (lo, mid)
    return (lo + hi) / 2


def clopper_pearson(k, n, level=0.95):
    """The exact (Clopper-Pearson) interval for a binomial rate from k successes in n trials:
    the p whose one-sided tail probabilities of the observed k are each (1 - level) / 2."""
    if not (isinstance(n, int) and n > 0 and isinstance(k, int) and 0 <= k <= n):
        raise ValueError(f"clopper_pearson: got k={k!r}, n={n!r}; expected integers with "
                         "0 <= k <= n and n > 0 (successes out of trials)")
    if not 0 < level < 1:
        raise ValueError(f"clopper_pearson: got level={level!r}; expected 0 < level < 1 "
                         "(0.95 for a 95 % interval)")
    tail = (1 - level) / 2
    # lower: P(X >= k | p) = tail, i.e. P(X <= k - 1 | p) = 1 - tail (decreasing in p)
    lower = 0.0 if k == 0 else _solve(lambda p: binomial_cdf(k - 1, n, p), 1 - tail)
    # upper: P(X <= k | p) = tail
    upper = 1.0 if k == n else _solve(lambda p: binomial_cdf(k, n, p), tail)
    return lower, upper


def fisher_exact(k, n, passed, N):
    """The two-sided p-value of Fisher's exact test on the 2 x 2 table of a pool's k passed of
    n seeds against a fresh run's `passed` of N: given the margins (K = k + passed passed of
    n + N seeds), the fresh seeds' count is hypergeometric when both were drawn at one rate,
    and p sums the probabilities of every count no more probable than the one observed. The
    probabilities share the denominator C(n + N, N), so they are compared as exact integers."""
    for name, a, b in (("k, n", k, n), ("passed, N", passed, N)):
        if not (isinstance(a, int) and isinstance(b, int) and 0 <= a <= b and b > 0):
            raise ValueError(f"fisher_exact: got {name}={a!r}, {b!r}; expected integers "
                             "0 <= passed <= seeds, seeds > 0 (a count of seeds)")
    total, hits = n + N, k + passed

    def ways(x):      # tables with x of the `hits` among the N fresh seeds, in C(total, N)
        return math.comb(hits, x) * math.comb(total - hits, N - x)

    seen = ways(passed)
    low, high = max(0, N - (total - hits)), min(N, hits)
    return sum(w for w in map(ways, range(low, high + 1)) if w <= seen) / math.comb(total, N)


def check_stated(stated, where="claim"):
    """`stated` as the marker gives it: "every" or (k, n) with 0 <= k <= n, n > 0."""
    if stated == "every":
        return stated
    if (isinstance(stated, (tuple, list)) and len(stated) == 2
            and all(isinstance(x, int) for x in stated) and 0 <= stated[0] <= stated[1]
            and stated[1] > 0):
        return tuple(stated)
    raise ValueError(f"{where}: got stated={stated!r}; expected \"every\" or (k, n) with "
                     "0 <= k <= n (the chapter's 'on k of n'), e.g. stated=(7, 10)")


FAMILY_LEVEL = 0.95  # the simultaneous level of a run's tests over its stated rates


def claim_level(m):
    """The level of each stated rate's test when a run judges m of them: 1 - 0.05/m
    (Bonferroni; a rate is contradicted when Fisher's p <= 0.05/m), so the run's verdicts on
    true rates hold all at once with probability >= 95 %."""
    return 1 - (1 - FAMILY_LEVEL) / max(m, 1)


def verdict(stated, passed, n, level=0.95):
    """(ok, why) for a claim stated as "every" or (k, n) that passed on `passed` of `n`
    fresh seeds. "every": ok when every fresh seed passed. (k, n): ok unless Fisher's exact
    test (fisher_exact) rejects at 1 - level that the pool's k of n and the fresh count were
    drawn at one rate; `why` gives p and, for the reader, the fresh rate's 95 % interval."""
    stated = check_stated(stated)
    if n == 0:
        return False, "ran on no fresh seed"
    if stated == "every":
        return passed == n, ("holds on every fresh seed" if passed == n
                             else f"stated for every seed, fails on {n - passed}")
    p = fisher_exact(stated[0], stated[1], passed, n)
    alpha = 1 - level
    lower, upper = clopper_pearson(passed, n)
    ok = p > alpha
    return ok, (f"{stated[0]}/{stated[1]} against fresh [{lower:.2f}, {upper:.2f}]: Fisher "
                f"p = {p:.2g} {'>' if ok else '<='} {alpha:.2g}")


def summarise(records):
    """Claims from per-seed records ({claim, stated, text, seed, outcome}): one dict per
    claim with its stated rate, passed, n, the failing and skipped seeds, ok and why."""
    claims = {}
    for r in records:
        c = claims.setdefault(r["claim"], {"claim": r["claim"], "text": r["text"],
                                           "stated": r["stated"], "outcomes": {}})
        # a seed's outcome is its worst phase: failed over skipped over passed
        rank = {"passed": 0, "skipped": 1, "failed": 2}
        old = c["outcomes"].get(r["seed"], "passed")
        c["outcomes"][r["seed"]] = max(old, r["outcome"], key=rank.get)
    rows = []
    level = claim_level(sum(c["stated"] != "every" for c in claims.values()))
    for c in claims.values():
        stated = tuple(c["stated"]) if isinstance(c["stated"], list) else c["stated"]
        outcomes = c.pop("outcomes")
        failed = sorted(s for s, o in outcomes.items() if o == "failed")
        skipped = sorted(s for s, o in outcomes.items() if o == "skipped")
        n = len(outcomes) - len(skipped)
        ok, why = verdict(stated, n - len(failed), n, level)
        if skipped:
            ok, why = False, f"{why}; skipped on {skipped}"
        rows.append({**c, "stated": stated, "passed": n - len(failed), "n": n,
                     "failed": failed, "skipped": skipped, "ok": ok, "why": why})
    return sorted(rows, key=lambda row: row["claim"])


def report(rows):
    """The lines the run prints: one per claim, then the count of failing claims."""
    lines = []
    for row in rows:
        stated = "every" if row["stated"] == "every" else "{}/{}".format(*row["stated"])
        failed = f" failed on {row['failed']}" if row["failed"] else ""
        lines.append(f"{'ok  ' if row['ok'] else 'FAIL'} stated {stated:>5}  fresh "
                     f"{row['passed']}/{row['n']}{failed}  ({row['why']})  {row['text']}")
    bad = sum(not row["ok"] for row in rows)
    m = sum(row["stated"] != "every" for row in rows)
    lines.append(f"stated rates judged by Fisher's exact test, simultaneous at 95 %: {m} "
                 f"rates, each at p <= {1 - claim_level(m):.2g} (Bonferroni)")
    lines.append(f"{len(rows)} claims, {bad} contradicted by the fresh seeds")
    return lines


def where_the_time_goes(records, top=6):
    """One line: the claims files that took longest, in seconds summed over the seeds (a
    file's claims share cached runs, so a file is the unit of cost, not a claim)."""
    per_file = {}
    for r in records:
        name = r["claim"].split("::")[0].rsplit("/", 1)[-1]
        per_file[name] = per_file.get(name, 0.0) + r.get("seconds", 0.0)
    ranked = sorted(per_file.items(), key=lambda kv: -kv[1])[:top]
    return "slowest files (s over all seeds): " + ", ".join(f"{n} {t:.0f}" for n, t in ranked)


# -- the pytest plugin (registered by tests/conftest.py when NNBOOK_FRESH_SEEDS is set) -----
class Recorder:
    """Notes each claim test's outcome per seed; writes them to $NNBOOK_FRESH_RESULTS with
    any failure outside the claims; prints the claims' verdicts; and sets the exit status
    from the verdicts, not from the failing tests (a claim stated as 7 of 10 fails on some
    seeds by design)."""

    def __init__(self):
        self.claims = {}        # nodeid -> (claim, stated, text, seed)
        self.records = []
        self.other_failures = []

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        for item in items:
            marker = item.get_closest_marker("claim")
            if marker is None:
                continue
            stated = check_stated(marker.kwargs.get("stated"), where=item.nodeid)
            params = dict(getattr(getattr(item, "callspec", None), "params", {}))
            if "seed" not in params:
                raise pytest.UsageError(f"{item.nodeid}: a claim test must be parametrized "
                                        "over 'seed' (claims.seeds(...)); it has no seed")
            seed = params.pop("seed")
            rest = "-".join(f"{k}={v}" for k, v in sorted(params.items()))
            claim = item.nodeid.split("[")[0] + (f"[{rest}]" if rest else "")
            self.claims[item.nodeid] = (claim, stated, marker.kwargs.get("text", ""), seed)

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            if report.nodeid in self.claims:
                claim, stated, text, seed = self.claims[report.nodeid]
                self.records.append({"claim": claim, "stated": stated, "text": text,
                                     "seed": seed, "outcome": report.outcome,
                                     "seconds": round(report.duration, 2)})
            elif report.outcome == "failed":
                self.other_failures.append(report.nodeid)

    def pytest_collectreport(self, report):
        if report.outcome == "failed":
            self.other_failures.append(f"collecting {report.nodeid}")

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section("claims on fresh seeds")
        for line in report(summarise(self.records)):
            terminalreporter.write_line(line)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session):
        path = os.environ.get(RESULTS)
        if path:
            Path(path).write_text(json.dumps({"records": self.records,
                                              "other failures": self.other_failures}))
        if session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            ok = all(row["ok"] for row in summarise(self.records)) and not self.other_failures
            session.exitstatus = pytest.ExitCode.OK if ok else pytest.ExitCode.TESTS_FAILED


# -- the run: draw the seeds, two processes, merge ----------------------------------------
def draw_seeds(n, base=None):
    """n fresh seeds, each >= FIRST_FRESH and SPACING apart: base, base + SPACING, ... when
    base is given, else multiples of SPACING drawn at random from the operating system."""
    if not (isinstance(n, int) and n > 0):
        raise ValueError(f"draw_seeds: got n={n!r}; expected a positive number of seeds")
    if base is not None:
        if base < FIRST_FRESH or base + SPACING * n > 2**31:
            raise ValueError(f"draw_seeds: got base={base}; expected FIRST_FRESH={FIRST_FRESH} "
                             f"<= base <= {2**31 - SPACING * n} (the course's own seeds lie "
                             "below FIRST_FRESH)")
        return [base + SPACING * i for i in range(n)]
    draw = random.SystemRandom()
    slots = draw.sample(range(FIRST_FRESH // SPACING, 2**31 // SPACING - 1), n)
    return sorted(slot * SPACING for slot in slots)


def claims_selected(heavy):
    """The marker expression of the claims a run takes: the heavy ones only with --heavy
    (a default run of 10 seeds stays within 15 minutes on two cores)."""
    return "claim" if heavy else "claim and not heavy"


def claim_files(pytest_args):
    """(the claim files to run, the other pytest arguments): the files of
    tests/test_claims_over_seeds_*.py named among ``pytest_args`` (as a path, or a path with
    ``::test``), else all of them."""
    every = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("tests/test_claims_over_seeds_*.py"))
    named = [a for a in pytest_args if a.split("::")[0] in every]
    if not named:
        return every, list(pytest_args)
    return named, [a for a in pytest_args if a not in named]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="how many fresh seeds (10)")
    parser.add_argument("--seed-base", type=int, help="seeds base, base+100, ... (reproduce)")
    parser.add_argument("--seed-list", help="comma-separated seeds (reproduce a run exactly)")
    parser.add_argument("--processes", type=int, default=2, help="pytest processes (2)")
    parser.add_argument("--save", help="write the seeds, records and verdicts to this JSON file")
    parser.add_argument("--heavy", action="store_true",
                        help="also the claims marked heavy (chapter 19's models, chapter 20's "
                             "rematch, chapters 27-28's trained models: about 11 more "
                             "minutes for 10 seeds)")
    args, pytest_args = parser.parse_known_args(argv)  # the rest goes to pytest (-k ...)
    if args.seed_list:
        seeds = [int(s) for s in args.seed_list.split(",") if s.strip()]
        low = [s for s in seeds if s < FIRST_FRESH]
        if low:
            parser.error(f"--seed-list: {low} below {FIRST_FRESH}, where the course's own "
                         "seeds are; fresh seeds must not be seeds the course chose")
    else:
        seeds = draw_seeds(args.seeds, args.seed_base)
    print(f"fresh seeds ({len(seeds)}): {','.join(map(str, seeds))}")
    print("claims: every claim test" if args.heavy else
          "claims: every claim test but the heavy ones (--heavy adds them)")
    print(f"reproduce: nox -s fresh_seeds -- --seed-list {','.join(map(str, seeds))}",
          flush=True)
    files, pytest_args = claim_files(pytest_args)
    parts = [seeds[i::args.processes] for i in range(args.processes)]
    parts = [p for p in parts if p]
    start, runs = time.perf_counter(), []
    with tempfile.TemporaryDirectory() as tmp:
        for i, part in enumerate(parts):
            env = {**os.environ, FRESH_SEEDS: ",".join(map(str, part)),
                   RESULTS: f"{tmp}/part{i}.json", "OPENBLAS_NUM_THREADS": "1",
                   "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                   HEAVY: "1" if args.heavy else "0"}
            log = open(f"{tmp}/part{i}.log", "w")
            # -n 0: this process runs its tests itself (no pytest-xdist workers), so that its
            # Recorder sees every outcome and wait4 below counts all of its CPU time.
            cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                   "-m", claims_selected(args.heavy), "--tb=line", *files, *pytest_args]
            runs.append((subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log,
                                          stderr=subprocess.STDOUT), log, i))
        records, other, broken, cpu = [], [], [], []
        for proc, log, i in runs:
            _, _, usage = os.wait4(proc.pid, 0)       # the child's own CPU time, too
            cpu.append((usage.ru_utime + usage.ru_stime) / 60)
            log.close()
            path = Path(f"{tmp}/part{i}.json")
            if not path.exists():
                broken.append(i)
                print(Path(f"{tmp}/part{i}.log").read_text()[-4000:])
                continue
            data = json.loads(path.read_text())
            records += data["records"]
            other += data["other failures"]
    minutes = (time.perf_counter() - start) / 60
    rows = summarise(records)
    print("\n".join(report(rows)))
    for failure in other:
        print(f"FAIL outside the claims: {failure}")
    print(where_the_time_goes(records))
    print(f"wall time {minutes:.1f} min over {len(parts)} processes; CPU time per process "
          f"{', '.join(f'{c:.1f}' for c in cpu)} min (alone on the machine, the wall time is "
          "about the largest)")
    if args.save:
        Path(args.save).write_text(json.dumps({"seeds": seeds, "minutes": minutes, "cpu": cpu,
                                               "records": records, "other failures": other,
                                               "claims": rows}, indent=1, ensure_ascii=False))
    ok = rows and all(row["ok"] for row in rows) and not other and not broken
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
