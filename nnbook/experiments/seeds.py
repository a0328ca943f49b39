"""Results over seeds (chapter 05 on): ``over_seeds(run, seeds)`` calls ``run(seed)`` once
per seed and keeps every seed's numbers in a ``SeedTable``, which prints one row per seed
with the mean, min and max under them; ``stored(name)`` loads a table the repository stores
for an experiment too slow for a notebook (``nb.over_seeds``, ``nb.SeedTable``,
``nb.seeds.stored``; the house rule is in README, "Results over seeds").
"""

from __future__ import annotations

import copy
import json
import numbers
from pathlib import Path

import numpy as np

__all__ = ["SeedTable", "over_seeds", "stored", "STORED_DIR", "stored_model", "store_model",
           "MODELS_DIR"]

STORED_DIR = Path(__file__).resolve().parent / "tables"   # NN_name.json, one per table
MODELS_DIR = Path(__file__).resolve().parent / "models"   # NN_name.npz, one per fixed model


def blas_kernels():
    """The BLAS library and the CPU kernels it chose here, as threadpoolctl reports them
    ("openblas Haswell"; "unknown" without threadpoolctl, which scikit-learn brings): a
    stored table records them, since another CPU's kernels add in another order."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown"
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not blas:
        return "unknown"
    return f"{blas[0].get('internal_api', '?')} {blas[0].get('architecture', '?')}"


def _seed_list(owner, seeds):
    """The seeds as ints: each an integer (a float such as 3.0 counts; 0.5 does not, nor a
    bool or a string), so every row is labelled with the seed ``run`` was given."""
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise ValueError(f"{owner}: expected the seeds as a list of integers, e.g. "
                         f"range(5), got {seeds!r}.")
    out = []
    for s in seeds:
        whole = (isinstance(s, numbers.Integral) or (isinstance(s, numbers.Real)
                                                     and float(s).is_integer()))
        if isinstance(s, (bool, np.bool_)) or not whole:
            raise ValueError(f"{owner}: expected every seed to be an integer, got {s!r} among "
                             f"the seeds. A seed names one draw (np.random.default_rng"
                             f"(seed)); use integers, e.g. range(5).")
        out.append(int(s))
    return out


def _as_row(result, where):
    """``run(seed)``'s return value as a dict of floats ("value" for a bare number)."""
    if isinstance(result, dict):
        row = dict(result)
    elif isinstance(result, numbers.Real) or (isinstance(result, np.ndarray) and result.ndim == 0):
        row = {"value": result}
    else:
        raise ValueError(
            f"over_seeds: {where} returned {type(result).__name__}; expected a number or a dict "
            f"of numbers (name -> value). Return e.g. {{'loss': loss, 'accuracy': acc}}.")
    for name, value in row.items():
        if not isinstance(name, str) or name == "seed":
            raise ValueError(
                f"over_seeds: {where} returned the column name {name!r}; names must be strings "
                f"other than 'seed' (the table adds that column itself).")
        try:
            row[name] = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"over_seeds: {where} returned {value!r} for {name!r}; expected a number. "
                f"Convert arrays to one number first (e.g. float(x.mean())).") from None
    return row


class SeedTable:
    """Every seed's numbers for one experiment: rows are seeds, columns are named results.

    Args:
        seeds: the seeds, one per row (ints).
        columns: the names of the results (strings).
        values: an array ``(len(seeds), len(columns))`` of floats.
    Shapes:
        values: (n_seeds, n_columns); ``table[name]``: (n_seeds,)
    """

    def __init__(self, seeds, columns, values, *, made_with=None):
        self.made_with = dict(made_with or {})   # {"numpy": "2.4.6"} for a stored table
        self.seeds = tuple(_seed_list("SeedTable", seeds))
        self.columns = tuple(str(c) for c in columns)
        values = np.array(values, dtype=np.float64)
        if values.shape != (len(self.seeds), len(self.columns)):
            raise ValueError(
                f"SeedTable: values have shape {values.shape}, expected (n_seeds, n_columns) = "
                f"{(len(self.seeds), len(self.columns))}. Give one row per seed and one column "
                f"per name.")
        if len(self.seeds) == 0 or len(self.columns) == 0:
            raise ValueError("SeedTable: needs at least one seed and one column.")
        if len(set(self.columns)) != len(self.columns):
            raise ValueError(f"SeedTable: column names repeat: {self.columns}.")
        self.values = values
        self.values.flags.writeable = False

    # -- reading ------------------------------------------------------------------
    def __len__(self):
        return len(self.seeds)

    def __getitem__(self, column):
        """The column's values over the seeds, ``(n_seeds,)``, in seed order."""
        return self.values[:, self._index(column)]

    def _index(self, column):
        try:
            return self.columns.index(column)
        except ValueError:
            raise KeyError(
                f"SeedTable has no column {column!r}; its columns are {list(self.columns)}."
            ) from None

    def _column_or_only(self, column):
        if column is None:
            if len(self.columns) != 1:
                raise ValueError(
                    f"SeedTable: this table has columns {list(self.columns)}; name the one "
                    f"you want, e.g. table.mean({self.columns[0]!r}).")
            column = self.columns[0]
        return self[column]

    def rows(self):
        """Each seed's row as a dict ``{"seed": s, name: value, ...}``, in seed order."""
        return [{"seed": s, **dict(zip(self.columns, map(float, v)))}
                for s, v in zip(self.seeds, self.values)]

    def mean(self, column=None):
        return float(np.mean(self._column_or_only(column)))

    def std(self, column=None):
        """The spread over seeds (sample standard deviation, ddof=1; 0 for one seed)."""
        v = self._column_or_only(column)
        return float(np.std(v, ddof=1)) if v.size > 1 else 0.0

    def min(self, column=None):
        return float(np.min(self._column_or_only(column)))

    def max(self, column=None):
        return float(np.max(self._column_or_only(column)))

    def count(self, condition):
        """How many seeds' rows satisfy ``condition(row)`` (row as in ``rows()``)."""
        return sum(bool(condition(row)) for row in self.rows())

    def every(self, condition):
        """True when ``condition(row)`` holds on every seed."""
        return self.count(condition) == len(self)

    def contains(self, value, column=None, *, margin=0.0):
        """True when ``min − margin ≤ value ≤ max + margin`` for the column's seeds: a new
        run falls inside the spread the stored seeds give."""
        return self.min(column) - margin <= float(value) <= self.max(column) + margin

    def from_this_numpy(self):
        """True when the NumPy release running now (major.minor) computed this stored
        table, on the BLAS kernels running now where the table records them: only then
        can a notebook's own run equal a stored row to the last digits (training
        amplifies round-off, and one flipped sample changes a trajectory)."""
        made = self.made_with.get("numpy", "")
        same_blas = self.made_with.get("blas", blas_kernels()) == blas_kernels()
        return made.split(".")[:2] == np.__version__.split(".")[:2] and same_blas

    # -- showing ------------------------------------------------------------------
    def format(self, fmt=".3f"):
        """The table as text: a row per seed, then mean, min and max; numbers in ``fmt``
        (a format spec such as ``".3f"`` or ``".1%"``) so any machine prints the same."""
        cells = [["seed", *self.columns]]
        cells += [[str(s), *(format(x, fmt) for x in v)] for s, v in zip(self.seeds, self.values)]
        summary = [("mean", np.mean), ("min", np.min), ("max", np.max)]
        for name, f in summary:
            cells.append([name, *(format(float(x), fmt) for x in f(self.values, axis=0))])
        widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
        rule = "-" * len(lines[0])
        return "\n".join([lines[0], rule, *lines[1:len(self) + 1], rule, *lines[len(self) + 1:]])

    def __str__(self):
        return self.format()

    def __repr__(self):
        return f"SeedTable(seeds={list(self.seeds)}, columns={list(self.columns)})\n{self.format()}"

    # -- storing ------------------------------------------------------------------
    def to_dict(self):
        return {"seeds": list(self.seeds), "columns": list(self.columns),
                "values": [[float(x) for x in row] for row in self.values],
                "made_with": {"numpy": np.__version__, "blas": blas_kernels(), **self.made_with}}

    def save(self, path):
        """Write the table as JSON (every value at full precision, and the NumPy version
        and BLAS kernels that computed it: training amplifies round-off, so another NumPy
        release or another CPU's kernels can give other last digits, or another
        trajectory where a sample flips)."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path):
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(data["seeds"], data["columns"], data["values"],
                       made_with=data.get("made_with"))
        except (KeyError, TypeError, json.JSONDecodeError) as err:
            raise ValueError(
                f"SeedTable.load: {path} is not a seed table ({err}); expected JSON with "
                f"'seeds', 'columns' and 'values' as written by SeedTable.save.") from None


def over_seeds(run, seeds=range(5)):
    """Call ``run(seed)`` for every seed and keep each seed's result in a ``SeedTable``.

    Args:
        run: a function of one int seed returning a number, or a dict of numbers
            (the same names for every seed). Build every random thing inside it from
            the seed (``np.random.default_rng(seed)``), so one seed is one draw.
        seeds: the seeds (five by default; as many as the differences need), integers;
            a count n is accepted as ``range(n)`` (``over_seeds(run, 5)`` runs seeds 0–4).
            A seed that is not an integer (0.5) is a ``ValueError``.
    Returns:
        a ``SeedTable`` with one row per seed.
    """
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, (bool, np.bool_)):
        if seeds < 1:
            raise ValueError(f"over_seeds: got the count {seeds!r}; expected n ≥ 1 (run on "
                             f"seeds 0 … n−1) or a list of seeds such as range(5).")
        seeds = range(int(seeds))
    seeds = _seed_list("over_seeds", seeds)
    if not seeds:
        raise ValueError("over_seeds: got no seeds; pass e.g. seeds=range(5).")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"over_seeds: seeds repeat in {seeds}; each seed is one draw, give "
                         f"each once.")
    rows = []
    for seed in seeds:
        rows.append(_as_row(run(seed), f"run(seed={seed})"))
    columns = tuple(rows[0])
    for seed, row in zip(seeds, rows):
        if tuple(row) != columns:
            raise ValueError(
                f"over_seeds: run(seed={seed}) returned the names {list(row)}, but the first "
                f"seed returned {list(columns)}; return the same names for every seed.")
    return SeedTable(seeds, columns, [[row[c] for c in columns] for row in rows])


def stored(name):
    """A table the repository stores (``nnbook/experiments/tables/<name>.json``), computed
    by ``python tools/seed_tables.py <name>`` from the function an ``nnbook.experiments``
    module declares, for experiments too slow to re-run in a notebook."""
    path = STORED_DIR / f"{name}.json"
    if not path.is_file():
        have = sorted(p.stem for p in STORED_DIR.glob("*.json")) if STORED_DIR.is_dir() else []
        raise ValueError(f"seeds.stored: no stored table {name!r}; stored tables: {have}. "
                         f"Compute it with `python tools/seed_tables.py {name}`.")
    return SeedTable.load(path)


def stored_model(name):
    """A fixed trained model the repository stores (``nnbook/experiments/models/<name>.npz``,
    ``Sequential.save``'s file: the float64 weights exactly, so it predicts bit for bit as
    the model that was trained), for a model many notebooks and tests start from: trained
    once by ``python tools/seed_tables.py --models``, from the function an
    ``nnbook.experiments`` module declares in its ``STORED_MODELS``, and loaded here (a new
    object each call)."""
    path = MODELS_DIR / f"{name}.npz"
    if not path.is_file():
        have = sorted(p.stem for p in MODELS_DIR.glob("*.npz")) if MODELS_DIR.is_dir() else []
        raise ValueError(f"seeds.stored_model: no stored model {name!r}; stored models: "
                         f"{have}. Train it with `python tools/seed_tables.py --models`.")
    from ..training.loading import load_model        # nnbook.training imports this package
    return load_model(path)


def store_model(model, name):
    """Write ``model`` as the stored model ``name``: its architecture, weights, loss and
    ``trained_length``, without its optimizer's state (what the callers of a fixed model
    use; a fine-tune compiles its own copy). Returns the path."""
    lean = copy.copy(model)                   # the same layers, the optimizer left out
    lean.optimizer = None
    MODELS_DIR.mkdir(exist_ok=True)
    return lean.save(MODELS_DIR / f"{name}.npz")
