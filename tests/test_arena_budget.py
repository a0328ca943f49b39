"""The arena's budget (nnbook/arena/budget.py, chapter 37): the model's own count of
multiplications against a hand count of chapter 20's model, a training step counted forward
and backward, the step past the budget refused, weights changed outside the count caught."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.arena.baseline import modern_layers


def test_chapter_20_model_against_a_hand_count():
    """Catches a count that forgets a product or counts one wrong: K and V as d × d under
    grouped keys (they are d × 16), the attention's T × T products, SwiGLU's third matrix,
    the tied unembedding."""
    T, d, h, kv, d_ff, V = 16, 32, 4, 2, 85, 26      # chapter 20: 2 blocks of width 32
    d_head = d // h
    per_block = (T * d * d                  # Q
                 + 2 * T * d * kv * d_head  # K and V: 2 heads of 8
                 + T * d * d                # the output projection
                 + 2 * h * T * T * d_head   # QKᵀ and the weighted values, every pair
                 + 3 * T * d * d_ff)        # SwiGLU's W_1, W_3 and W_2
    hand = 2 * per_block + T * d * V        # two blocks, the unembedding (lookups are free)
    assert hand == 405_504
    layers = modern_layers(np.random.default_rng(0))
    assert nb.arena.forward_multiplications(layers, (1, T)) == hand
    assert nb.arena.forward_multiplications(layers, (32, T)) == 32 * hand


def _model(budget):
    meter = nb.arena.Meter(budget)
    model = nb.arena.CountedModel(modern_layers(np.random.default_rng(1)), meter, (1, 16))
    model.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True))
    return model, meter


def _batch(m=8):
    r = np.random.default_rng(2)
    return r.integers(0, 26, (m, 16)), r.integers(0, 26, (m, 16))


def test_a_training_step_costs_its_forward_and_its_backward():
    """Planted bug "the budget counts only the forward pass": a step would cost 1 forward,
    not 3 (the backward's two products for each of the forward's)."""
    f = nb.arena.forward_multiplications(modern_layers(np.random.default_rng(0)), (8, 16))
    model, meter = _model(10**12)
    x, y = _batch()
    model.train_step(x, y)
    assert meter.spent == 3 * f
    model.predict(x)                                  # a forward alone costs one forward
    assert meter.spent == 4 * f


def test_the_step_past_the_budget_is_refused_before_it_runs():
    """Catches a meter that checks after spending (the step would run) or that forgets."""
    f = nb.arena.forward_multiplications(modern_layers(np.random.default_rng(0)), (8, 16))
    model, meter = _model(3 * f - 1)
    x, y = _batch()
    before = [w.copy() for w in model.layers[1].params.values()]
    with pytest.raises(nb.arena.BudgetExceeded, match="overspent its budget"):
        model.train_step(x, y)
    assert meter.overspent
    assert all(np.array_equal(a, b) for a, b in zip(before, model.layers[1].params.values()))
    with pytest.raises(nb.arena.BudgetExceeded):      # and every later call
        model.predict(x[:1])


def test_weights_changed_outside_the_count_are_caught():
    model, _ = _model(10**12)
    model.check_untouched()
    model.layers[1].params["attn.W_q"][0, 0] += 1e-9
    with pytest.raises(ValueError, match="changed outside its counted train_step"):
        model.check_untouched()


def test_a_layer_it_cannot_count_is_refused():
    class Mine(nb.Layer):
        def forward(self, x):
            return x

    with pytest.raises(ValueError, match="got a layer Mine .* does not count"):
        nb.arena.forward_multiplications([nb.Embedding(26, 8), Mine()], (1, 16))
    with pytest.raises(ValueError, match="mixer='linear'.*expected mixer='softmax'"):
        nb.arena.forward_multiplications(
            [nb.Embedding(26, 8), nb.TransformerBlock(8, 2, 16, mixer="linear")], (1, 16))


def test_the_meter_cannot_be_reset_or_swapped():
    """Catches a meter whose count a recipe can write back to 0, or a model whose meter a
    recipe can replace by one of a larger budget."""
    model, meter = _model(10)
    with pytest.raises(AttributeError):
        meter.spent = 0
    with pytest.raises(AttributeError):
        meter.budget = 10**15
    with pytest.raises(AttributeError):
        model.meter = nb.arena.Meter(10**15)
    arena = nb.arena.Arena(10, np.random.default_rng(0))
    with pytest.raises(AttributeError):
        arena.meter = nb.arena.Meter(10**15)
