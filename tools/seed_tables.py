"""Recompute the seed tables the repository stores (nnbook/experiments/tables/NN_name.json).

    python tools/seed_tables.py NN_name [...]    # the named tables
    python tools/seed_tables.py --list           # every table, its module and seeds
    python tools/seed_tables.py --all            # every table (slow: each runs every seed)
    python tools/seed_tables.py --models         # every stored model, trained again

Each table's function and seeds are declared in an ``nnbook/experiments`` module
(``TABLES``). Run with one BLAS thread (OPENBLAS_NUM_THREADS=1) as the notebooks run;
tests/test_experiments.py re-runs the first seed of every table its notebook does not assert
(each chapter's ``asserted`` in tools/chapters.py) against the file.

The stored models (nnbook/experiments/models/NN_name.npz: fixed models that many notebooks
and tests start from, declared in a module's ``STORED_MODELS``) are trained by ``--models``; the
tables made from them stay right only if they are recomputed after (tests/test_experiments.py
trains each model again and compares it with the stored one).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnbook.experiments import models, tables  # noqa: E402
from nnbook.experiments.seeds import STORED_DIR, over_seeds, store_model  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="tables to recompute")
    parser.add_argument("--list", action="store_true", help="list the tables and stop")
    parser.add_argument("--all", action="store_true", help="recompute every table")
    parser.add_argument("--models", action="store_true",
                        help="train every stored model again and store it (before any table)")
    args = parser.parse_args(argv)
    known = tables()
    if args.list:
        for name, (function, seeds) in sorted(known.items()):
            print(f"{name}: {function.__module__}.{function.__name__}, seeds {list(seeds)}")
        for name, (train, _) in sorted(models().items()):
            print(f"{name} (model): {train.__module__}.{train.__name__}")
        return 0
    if args.models:
        for name, (train, _) in sorted(models().items()):
            start = time.perf_counter()
            print(f"{store_model(train(), name)} ({time.perf_counter() - start:.1f} s)")
        if not (args.all or args.names):
            return 0
    names = sorted(known) if args.all else args.names
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        parser.error(f"unknown or no table names {unknown}; known: {sorted(known)}")
    STORED_DIR.mkdir(exist_ok=True)
    for name in names:
        function, seeds = known[name]
        start = time.perf_counter()
        table = over_seeds(function, seeds)
        table.save(STORED_DIR / f"{name}.json")
        print(f"{name} ({time.perf_counter() - start:.1f} s)\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
