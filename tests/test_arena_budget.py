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
    block = nb.TransformerBlock(8, 2, 16, mixer="linear")
    block.attn.form = "masked"
    with pytest.raises(ValueError, match="form='masked'.*Use form='recurrent'"):
        nb.arena.forward_multiplications([nb.Embedding(26, 8), block], (1, 16))


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


T, D, H, D_FF, V = 16, 32, 4, 85, 26                # chapter 20's sizes
D_HEAD = D // H


def _one_block(**kw):
    rng = np.random.default_rng(0)
    emb = nb.Embedding(V, D, rng=rng)
    return [emb, nb.TransformerBlock.modern(D, H, rng=rng, **kw), nb.RMSNorm(D),
            nb.Unembedding(emb)]


def test_a_mixture_of_experts_counts_the_router_and_the_active_experts_only():
    """Catches an MoE counted as its total parameters (all E experts per token), one whose
    router is forgotten, or a shared expert left out."""
    attention = (T * D * D + 2 * T * D * 2 * D_HEAD + T * D * D   # Q, K and V (2 heads), O
                 + 2 * H * T * T * D_HEAD)
    expert = 3 * D * D_FF                             # W_1, W_3, W_2 of one expert
    for E, k, shared in ((4, 1, False), (8, 2, False), (4, 1, True)):
        moe = {"n_experts": E, "k": k, "shared_expert": shared}
        hand = attention + T * (D * E + k * expert + (expert if shared else 0)) + T * D * V
        layers = _one_block(ffn="moe", moe=moe)
        assert nb.arena.forward_multiplications(layers, (1, T)) == hand, (E, k, shared)
        assert nb.arena.forward_multiplications(layers, (5, T)) == 5 * hand
    alone = nb.MixtureOfExperts(D, D_FF, 4, k=2, rng=np.random.default_rng(0))
    assert nb.arena.layer_multiplications(alone, (3, T, D)) == (3 * T * (D * 4 + 2 * expert),
                                                                (3, T, D))


def test_the_recurrent_mixers_against_a_hand_count():
    """Linear attention: per position and head the write v kᵀ and the read S q, d_head² each;
    the delta rule one more (S k) and W_β (d × h). Catches T² counted for a state (softmax's
    count), a product forgotten, or W_β left out."""
    swiglu = 3 * T * D * D_FF
    state = H * T * D_HEAD ** 2                       # one product with the state, per head
    linear = 4 * T * D * D + 2 * state                # W_q, W_k, W_v, W_o (no shared heads)
    delta = 4 * T * D * D + T * D * H + 3 * state
    for mixer, hand in (("linear", linear), ("delta", delta)):
        layers = _one_block(mixer=mixer)
        assert nb.arena.forward_multiplications(layers, (1, T)) == hand + swiglu + T * D * V
    alone = nb.DeltaNet(D, H, rng=np.random.default_rng(0))
    assert nb.arena.layer_multiplications(alone, (2, T, D)) == (2 * delta, (2, T, D))


def test_muons_newton_schulz_is_paid_for():
    """Muon's update spends, per matrix n × k (n ≤ k), ns_steps · (2n²k + n³); AdamW's
    nothing. Catches an update left out of the budget, or a tall matrix counted untransposed
    (n³ of the larger side)."""
    W = [np.zeros((32, 85)), np.zeros((85, 32)), np.zeros(32), np.zeros((26, 32))]
    per = 5 * (2 * 32 * 32 * 85 + 32 ** 3)
    hand = 2 * per + 5 * (2 * 26 * 26 * 32 + 26 ** 3)
    assert nb.arena.optimizer_multiplications(nb.Muon(), W) == hand
    assert nb.arena.optimizer_multiplications(nb.Muon(hidden_only=True), W) == per
    assert nb.arena.optimizer_multiplications(nb.AdamW(), W) == 0
    layers = modern_layers(np.random.default_rng(0))
    meter = nb.arena.Meter(10**12)
    model = nb.arena.CountedModel(layers, meter, (1, 16))
    model.compile(optimizer=nb.Muon(), loss=nb.CrossEntropy(from_logits=True))
    x, y = _batch()
    model.train_step(x, y)
    f = nb.arena.forward_multiplications(layers, (8, 16))
    ns = nb.arena.optimizer_multiplications(model.optimizer,
                                            [p for p, _ in model.gradient_pairs()])
    assert ns > f // 2                                # at 8 windows, not a rounding error
    assert meter.spent == 3 * f + ns


def test_optimizer_buffers_written_between_counted_steps_are_refused():
    """An optimizer of the library's own class, no method touched, whose buffers are plain
    arrays: with SGD's velocity set to 2·(target − w), momentum 0.5 and lr ≈ 0, the next
    counted step writes the target weights in (weights trained elsewhere, nothing counted
    for them). Fails when the buffers are not fingerprinted with the weights."""
    meter = nb.arena.Meter(10**12)
    model = nb.arena.CountedModel(modern_layers(np.random.default_rng(1)), meter, (1, 16))
    opt = nb.SGD(lr=1e-3, momentum=0.5)
    model.compile(optimizer=opt, loss=nb.CrossEntropy(from_logits=True))
    x, y = _batch()
    model.train_step(x, y)
    opt.lr = 1e-4                                     # its numbers may change (a schedule)
    model.train_step(x, y)
    for st in opt._state.values():
        st["v"][...] = 2.0 * (0.5 - st["p"])
    with pytest.raises(ValueError, match="optimizer's buffers"):
        model.train_step(x, y)


def test_a_new_optimizer_starts_empty_and_is_accepted():
    """Recompiling with a new optimizer (no buffers yet) is honest and passes; one whose
    buffers were filled before its first counted step is refused."""
    model, _ = _model(10**12)
    x, y = _batch()
    model.train_step(x, y)
    model.compile(optimizer=nb.SGD(lr=1e-3, momentum=0.9), loss=nb.CrossEntropy(from_logits=True))
    model.train_step(x, y)
    model.train_step(x, y)
    other, _ = _model(10**12)
    other.train_step(x, y)
    filled = nb.SGD(lr=1e-3, momentum=0.9)
    filled._state = {k: dict(st, v=np.ones_like(st["tmp"])) for k, st in
                     model.optimizer._state.items()}
    model.compile(optimizer=filled, loss=nb.CrossEntropy(from_logits=True))
    with pytest.raises(ValueError, match="optimizer's buffers"):
        model.train_step(x, y)


def test_a_copy_of_a_counted_model_is_not_taken_from_its_weights_now():
    """A deep copy (its meter shared) has no record of its own: taking its fingerprint from
    its weights at its first step accepted weights written into the copy."""
    import copy
    model, meter = _model(10**12)
    twin = copy.deepcopy(model, {id(meter): meter})
    twin.layers[1].params["attn.W_q"][...] = 0.5
    x, y = _batch()
    with pytest.raises(ValueError, match="not made by arena.model"):
        twin.train_step(x, y)


def _counted(layers, optimizer=None):
    model = nb.arena.CountedModel(layers, nb.arena.Meter(10**12), (1, 16))
    model.compile(optimizer=optimizer or nb.AdamW(lr=0.01),
                  loss=nb.CrossEntropy(from_logits=True))
    return model


def test_probability_rows_as_targets_are_refused():
    """The grammar's parser is importable in the recipe's process and gives the best
    predictor's probabilities for any window: as a counted step's targets they taught a cold
    reading's model the grammar with nothing counted (0.27 against the baseline's 0.35).
    Catches probability rows, or float targets of the ids' shape, taken by train_step."""
    model = _counted(modern_layers(np.random.default_rng(1)))
    x, y = _batch()
    rows, one_hot = np.full(y.shape + (26,), 1 / 26), np.eye(26)[y]
    two = one_hot.copy()
    two[0, 0, (y[0, 0] + 1) % 26] = 1.0
    for targets in (rows, 2 * one_hot - 0.5 * two, two, y.astype(float), y[:, :8]):
        with pytest.raises(ValueError, match=r"expected integer ids, one a position"):
            model.train_step(x, targets)
    model.train_step(x, y.astype(np.int32))                   # ids of any integer type
    model.train_step(x, one_hot)                              # and fit's one-hot rows
