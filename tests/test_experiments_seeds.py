"""nnbook/experiments/seeds.py: over_seeds, SeedTable (reading, showing, storing) and stored tables."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.experiments.seeds import SeedTable, blas_kernels, over_seeds


def _run(seed):
    rng = np.random.default_rng(seed)
    return {"a": float(rng.normal()), "b": float(rng.normal()) + 10.0}


def test_one_row_per_seed_in_order_and_same_seed_same_numbers():
    table = over_seeds(_run, seeds=[3, 1, 2])
    assert table.seeds == (3, 1, 2)
    assert table.columns == ("a", "b")
    first = np.random.default_rng(3)
    assert table["a"][0] == first.normal()
    again = over_seeds(_run, seeds=[3, 1, 2])
    np.testing.assert_array_equal(table.values, again.values)


def test_a_bare_number_is_the_column_value():
    table = over_seeds(lambda s: s * 2, seeds=range(3))
    assert table.columns == ("value",)
    assert table.mean() == 2.0 and table.min() == 0.0 and table.max() == 4.0
    assert table.std() == pytest.approx(2.0)


def test_statistics_count_every_contains():
    table = SeedTable([0, 1, 2, 3], ["x", "y"], [[1, 5], [2, 1], [3, 7], [4, 8]])
    assert table.mean("x") == 2.5 and table.min("y") == 1 and table.max("y") == 8
    assert table.count(lambda r: r["x"] < r["y"]) == 3
    assert not table.every(lambda r: r["x"] < r["y"])
    assert table.every(lambda r: r["x"] > 0)
    assert table.rows()[1] == {"seed": 1, "x": 2.0, "y": 1.0}
    assert table.contains(4.0, "x") and not table.contains(4.1, "x")
    assert table.contains(4.1, "x", margin=0.2)
    assert SeedTable([0], ["x"], [[1.0]]).std() == 0.0


def test_format_shows_every_seed_then_mean_min_max():
    table = SeedTable([7, 8], ["loss"], [[0.25, ], [0.5]])
    text = table.format(".2f")
    lines = text.splitlines()
    assert lines[0].split() == ["seed", "loss"]
    assert [l.split() for l in lines if l and l[0] != "-"][1:] == [
        ["7", "0.25"], ["8", "0.50"], ["mean", "0.38"], ["min", "0.25"], ["max", "0.50"]]
    assert str(table) == table.format(".3f")
    assert "SeedTable(seeds=[7, 8]" in repr(table)
    assert "37.5%" in table.format(".1%")


def test_save_and_load_keep_every_digit(tmp_path):
    table = over_seeds(_run, seeds=range(4))
    table.save(tmp_path / "t.json")
    back = SeedTable.load(tmp_path / "t.json")
    assert back.seeds == table.seeds and back.columns == table.columns
    np.testing.assert_array_equal(back.values, table.values)


def test_values_cannot_be_changed_by_accident():
    table = SeedTable([0], ["x"], [[1.0]])
    with pytest.raises(ValueError):
        table.values[0, 0] = 2.0


@pytest.mark.parametrize("run, seeds, match", [
    (lambda s: [1, 2], [0], r"run\(seed=0\) returned list; expected a number or a dict"),
    (lambda s: {"seed": 1.0}, [0], r"names must be strings other than 'seed'"),
    (lambda s: {"x": np.ones(3)}, [0], r"returned array.*for 'x'; expected a number"),
    (lambda s: {"x": 1.0} if s == 0 else {"y": 1.0}, [0, 1],
     r"run\(seed=1\) returned the names \['y'\].*first seed returned \['x'\]"),
    (lambda s: 1.0, [], r"got no seeds"),
    (lambda s: 1.0, [1, 1], r"seeds repeat"),
])
def test_bad_runs_are_refused_with_the_fix(run, seeds, match):
    with pytest.raises(ValueError, match=match):
        over_seeds(run, seeds)


def test_bad_tables_and_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"values have shape \(1, 2\), expected .* \(2, 2\)"):
        SeedTable([0, 1], ["a", "b"], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="column names repeat"):
        SeedTable([0], ["a", "a"], [[1.0, 2.0]])
    table = SeedTable([0], ["a", "b"], [[1.0, 2.0]])
    with pytest.raises(KeyError, match=r"no column 'c'; its columns are \['a', 'b'\]"):
        table["c"]
    with pytest.raises(ValueError, match=r"name the one you want, e.g. table.mean\('a'\)"):
        table.mean()
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="is not a seed table"):
        SeedTable.load(tmp_path / "bad.json")
    with pytest.raises(ValueError, match=r"no stored table 'no_such_table'.*seed_tables.py"):
        nb.seeds.stored("no_such_table")


def test_a_saved_table_says_which_numpy_made_it(tmp_path):
    table = SeedTable([0], ["x"], [[1.0]])
    table.save(tmp_path / "t.json")
    back = SeedTable.load(tmp_path / "t.json")
    assert back.made_with == {"numpy": np.__version__, "blas": blas_kernels()}
    old = tmp_path / "old.json"          # tables written before the field: no version
    old.write_text('{"seeds": [0], "columns": ["x"], "values": [[1.0]]}')
    assert SeedTable.load(old).made_with == {}
    assert back.from_this_numpy() and not SeedTable.load(old).from_this_numpy()
    other = SeedTable([0], ["x"], [[1.0]], made_with={"numpy": "1.26.4"})
    assert other.from_this_numpy() == np.__version__.startswith("1.26.")
    # the same NumPy on another CPU's kernels (OpenBLAS picks them at run time)
    elsewhere = SeedTable([0], ["x"], [[1.0]], made_with={"numpy": np.__version__,
                                                            "blas": "openblas NoSuchCPU"})
    assert not elsewhere.from_this_numpy()


def test_seeds_that_are_not_integers_are_refused():
    """Issue 50.7: 0.5 and 1.7 are not seeds; truncated, the rows were labelled 0 and 1,
    seeds run never got. Catches int() on each seed."""
    given = []
    with pytest.raises(ValueError, match=r"over_seeds: expected every seed to be an "
                                         r"integer, got 0\.5"):
        over_seeds(given.append, [0.5, 1.7])
    assert given == []
    with pytest.raises(ValueError, match=r"SeedTable: expected every seed to be an integer, "
                                         r"got 1\.5"):
        SeedTable([1.5, 2.2], ["loss"], [[1.0], [2.0]])
    with pytest.raises(ValueError, match=r"over_seeds: expected every seed to be an integer"):
        over_seeds(float, [True, 2])
    assert over_seeds(float, [np.int64(3), 4.0]).seeds == (3, 4)    # whole numbers kept


def test_a_count_of_seeds_is_that_many_seeds_from_0():
    """Issue 50.14: over_seeds(run, 5) runs seeds 0–4 (the default is range(5)); it was a
    bare TypeError. A count below 1 is refused."""
    assert over_seeds(float, 5).seeds == (0, 1, 2, 3, 4)
    assert over_seeds(float, np.int64(2)).seeds == (0, 1)
    with pytest.raises(ValueError, match=r"over_seeds: got the count 0; expected n ≥ 1"):
        over_seeds(float, 0)
