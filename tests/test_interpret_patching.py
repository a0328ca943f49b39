"""nb.interpret's residuals and patched on chapter 20's model (nnbook/interpret/patching.py)."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.experiments.modern_block import V, modern
from nnbook.interpret import patched, residuals


@pytest.fixture(scope="module")
def model_and_x():
    rng = np.random.default_rng(0)
    model = nb.Sequential(modern(12)(rng))
    return model, rng.integers(0, V, (3, 12))


def test_residuals_are_the_layers_outputs(model_and_x):
    model, x = model_and_x
    hs = residuals(model, x)
    assert len(hs) == len(model.layers) and hs[1].shape == (3, 12, 32)
    assert np.array_equal(hs[-1], model.predict(x))      # a missed layer would differ
    assert np.array_equal(residuals(model, x, 2), hs[2])


@pytest.mark.parametrize("positions", [4, [2, 9], np.array([[0, 3], [5, 6], [11, 1]])])
def test_patching_the_values_read_gives_the_output_bit_for_bit(model_and_x, positions):
    model, x = model_and_x
    h = residuals(model, x, 1)
    p = np.asarray(positions)
    values = h[np.arange(3)[:, None], p] if p.ndim == 2 else h[:, p]
    assert np.array_equal(patched(model, x, 1, positions, values), model.predict(x))


@pytest.mark.parametrize("layer", [0, 1])
def test_patching_position_t_changes_outputs_from_t_on_only(model_and_x, layer):
    model, x = model_and_x
    out, h, t = model.predict(x), residuals(model, x, layer), 5
    new = patched(model, x, layer, t, h[:, t] + 1.0)
    change = np.abs(new - out).max(axis=(0, 2))
    assert np.all(change[:t] == 0)                       # causal: earlier positions untouched
    assert np.all(change[t:] > 0)                        # the patch reaches every later one


def test_per_row_positions_patch_each_row_at_its_own(model_and_x):
    model, x = model_and_x
    h, out = residuals(model, x, 1), model.predict(x)
    pos = np.array([[2], [7], [4]])
    new = patched(model, x, 1, pos, h[np.arange(3)[:, None], pos] + 1.0)
    for row, t in enumerate(pos[:, 0]):
        change = np.abs(new[row] - out[row]).max(axis=1)
        assert np.all(change[:t] == 0) and change[t] > 0


def test_misuse_is_named(model_and_x):
    model, x = model_and_x
    h = residuals(model, x, 1)
    with pytest.raises(ValueError, match=r"residuals: got layer=5, expected a layer index from 0 to 4"):
        residuals(model, x, 5)
    with pytest.raises(ValueError, match=r"patched: got layer=-1"):
        patched(model, x, -1, 0, h[:, 0])
    with pytest.raises(ValueError, match=r"patched: got positions 3…12, expected positions from 0 to 11"):
        patched(model, x, 1, [3, 12], h[:, [3, 4]])
    with pytest.raises(ValueError, match=r"patched: got values of shape \(3, 32\), expected \(3, 2, 32\)"):
        patched(model, x, 1, [3, 4], h[:, 3])
    with pytest.raises(ValueError, match=r"patched: got positions of shape \(2, 1\)"):
        patched(model, x, 1, [[1], [2]], h[:2, 1:2])
    # Written twice, a position kept only the second vector, silently.
    with pytest.raises(ValueError, match=r"patched: got a position twice in one row"):
        patched(model, x, 1, [4, 4], h[:, [4, 4]])
    with pytest.raises(ValueError, match=r"patched: got a position twice in one row"):
        patched(model, x, 1, np.array([[1, 2], [5, 5], [0, 3]]), h[:, [1, 2]])
    # A NaN patched in made every later position's output NaN, with no error.
    bad = h[:, [3]].copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"patched: got values .* holding NaN or inf"):
        patched(model, x, 1, [3], bad)


def test_a_builder_given_for_the_model_is_named(model_and_x):
    """The thirteenth cold reading of 36: modern(16), the builder, passed for the model was an
    AttributeError from inside the walk."""
    _, x = model_and_x
    for call in (lambda m: residuals(m, x), lambda m: residuals(m, x, 1),
                 lambda m: patched(m, x, 1, 3, np.zeros((len(x), 12))),
                 lambda m: nb.interpret.steered(m, x, 1, np.zeros(12))):
        with pytest.raises(ValueError, match="not a model with layers"):
            call(modern(12))
