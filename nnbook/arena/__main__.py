"""The arena's command line (chapter 37): ``python -m nnbook.arena run|submit|show|verify``
runs a recipe file and prints its score, appends its row to a leaderboard file, prints the
table, or measures a row again."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .guard import refuse_shadowing
from .harness import SECONDS, RecipeError, run
from .leaderboard import ALPHA, DIGITS, VERIFY_TOLERANCE, show, submit, verify

BOARD = "arena_leaderboard.jsonl"
SEEDS = "0,1,2,3,4"
BUDGET = "4e9"


def _seeds(text):
    try:
        return tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seeds as ints separated by commas, got "
                                         f"{text!r}; e.g. --seeds 0,1,2,3,4") from None


def _budget(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of multiplications, got {text!r}; "
                                         f"e.g. --budget 4e9") from None
    return int(value) if value.is_integer() else value


def parser():
    name = Path(sys.argv[0]).name                      # nnbook-arena, or python -m's
    p = argparse.ArgumentParser(prog=name if name.startswith("nnbook-arena")
                                else "python -m nnbook.arena",
                                description="Chapter 37's arena: a recipe trained on a budget "
                                            "of multiplications, scored in bits per character "
                                            "above the exact window bound.")
    sub = p.add_subparsers(dest="command", required=True)
    for name, what in (("run", "run a recipe file and print its score"),
                       ("submit", "run a recipe file and append its row to the leaderboard"),
                       ("verify", "run a row's recipe file again and compare its scores")):
        s = sub.add_parser(name, help=what)
        s.add_argument("recipe", help="a Python file that defines recipe(arena), by its path "
                                       "or its module's name (nnbook.arena.baseline)")
        unused = "not used: verify runs the row's" if name == "verify" else None
        s.add_argument("--budget", type=_budget, default=BUDGET,
                       help=unused or f"multiplications per seed: forward, backward and "
                                      f"Muon's update (default {BUDGET})")
        s.add_argument("--seeds", type=_seeds, default=SEEDS,
                       help=unused or f"{'5 to 20' if name == 'submit' else 'at least 3'}, "
                                      f"comma-separated (default {SEEDS})")
        s.add_argument("--seconds", type=float, default=SECONDS,
                       help=f"time limit of one seed's training (default {SECONDS})")
        if name != "run":
            s.add_argument("--board", default=BOARD, help=f"the leaderboard file ({BOARD})")
        if name == "verify":
            s.add_argument("--row", type=int, required=True, help="the row to measure again")
    s = sub.add_parser("show", help="print the leaderboard")
    s.add_argument("--board", default=BOARD, help=f"the leaderboard file ({BOARD})")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    say = lambda line: print(line, flush=True)      # noqa: E731  (progress, one line a seed)
    try:
        # a module file of a recipe's left in this folder (or another of yours on sys.path)
        # has run by now, at this command's imports; refuse to go on with it there (only
        # `python -P` on 3.11+, or a folder no recipe wrote, keeps it from running at all)
        refuse_shadowing("at the start of this command")
        if args.command == "show":
            print(show(args.board))
            return 0
        seeds = _seeds(args.seeds) if isinstance(args.seeds, str) else args.seeds
        budget = _budget(args.budget) if isinstance(args.budget, str) else args.budget
        if args.command == "run":
            result = run(args.recipe, budget, seeds, seconds=args.seconds, progress=say)
            print(f"{result.name} ({result.recipe_hash}): {result.score:.{DIGITS}f} bits/char "
                  f"above the window bound, mean of {len(seeds)} seeds, budget {budget:,}")
        elif args.command == "submit":
            row = submit(args.recipe, budget, seeds, args.board, seconds=args.seconds,
                         progress=say)
            a = row["against"]
            verdict = ("the first row of this budget and these seeds" if a is None else
                       f"against row {a['row']}: p = {a['p_value']:.4f}, "
                       f"{'accepted' if a['accepted'] else 'not accepted'} at {ALPHA}")
            print(f"row {row['row']} appended to {args.board}: {row['score']:.{DIGITS}f}, "
                  f"{verdict}")
        else:
            row = verify(args.board, args.row, args.recipe, seconds=args.seconds, progress=say)
            print(f"row {row['row']} measured again: {row['scores']}, the same on its "
                  f"recorded texts, and within {VERIFY_TOLERANCE} on fresh ones")
    except (RecipeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
