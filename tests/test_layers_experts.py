"""``MixtureOfExperts`` (nnbook/layers/experts.py, chapter 33): the dense SwiGLU bit for bit
at E = 1, k = 1; the renormalised weights; Switch's balance loss and its gradient through P
only; zero gradients for an expert no token chose; E + λ·aux against finite differences;
the capacity's dropped tokens counted; the bias balancing; the block, save/load, float32
and every error message. Each check names, in a comment, the mistake it catches."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.layers.experts import balance_loss, keep_within_capacity, top_k


def moe(*args, rng=0, **kw):
    return nb.MixtureOfExperts(*args, rng=np.random.default_rng(rng), **kw)


def swiglu_of(layer, e="expert0", dtype=np.float64):
    """A ``SwiGLU`` holding copies of expert ``e``'s weights."""
    dense = nb.SwiGLU(layer.d_model, layer.d_ff, rng=np.random.default_rng(99), dtype=dtype)
    for k in dense.params:
        dense.params[k][...] = layer.params[f"{e}.{k}"]
    return dense


# E = 1, k = 1 is SwiGLU ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("training", [False, True])
def test_one_expert_is_the_dense_swiglu_bit_for_bit(dtype, training):
    """Catches any extra rounding on the single expert's path: a weight that is not exactly
    1.0 (a softmax over the chosen logits computed as exp(s − logsumexp)), an output
    accumulated in another order, a router term in ∂E/∂x that is not exactly 0."""
    rng = np.random.default_rng(1)
    layer = moe(5, 7, 1, 1, dtype=dtype, capacity_factor=100.0)   # capacity never binds
    dense = swiglu_of(layer, dtype=dtype)
    layer.training = dense.training = training
    x = rng.standard_normal((3, 4, 5))
    y, y_dense = layer.forward(x), dense.forward(x)
    assert y.dtype == dtype and np.array_equal(y, y_dense)
    dy = rng.standard_normal(y.shape)
    assert np.array_equal(layer.backward(dy), dense.backward(dy))
    for k in dense.params:
        assert np.array_equal(layer.grads[f"expert0.{k}"], dense.grads[k]), k
    assert not layer.grads["router.W"].any()          # a router with one choice learns nothing
    assert layer.aux_loss == 1.0 and layer.dropped == 0


# the weights -----------------------------------------------------------------------------
def by_hand(layer, x, renormalise=True):
    """Σ over each token's chosen experts of p_e / Σ p_chosen · SwiGLU_e(x), token by token
    (p_e alone with ``renormalise=False``, the planted bug)."""
    X = x.reshape(-1, layer.d_model)
    P = nb.softmax(X @ layer.params["router.W"])
    out = np.zeros_like(X)
    for t in range(len(X)):
        chosen = np.argsort(-P[t])[:layer.k]
        for e in chosen:
            w = P[t, e] / (P[t, chosen].sum() if renormalise else 1.0)
            out[t] += w * swiglu_of(layer, f"expert{e}").forward(X[t:t + 1])[0]
    return out.reshape(x.shape), P


def test_the_chosen_weights_are_renormalised():
    """Catches weights left as the raw probabilities (they sum to less than 1: with E = 4
    and k = 2 the output is then visibly smaller than the hand-computed one), and choosing
    the smallest instead of the largest probabilities."""
    rng = np.random.default_rng(2)
    layer = moe(4, 6, 4, 2)
    layer.params["router.W"][...] = 2 * rng.standard_normal((4, 4))
    x = rng.standard_normal((2, 3, 4))
    y = layer.forward(x)
    expected, P = by_hand(layer, x)
    np.testing.assert_allclose(y, expected, rtol=0, atol=1e-12)
    raw, _ = by_hand(layer, x, renormalise=False)        # the planted bug: visibly off
    assert np.abs(y - raw).max() > 0.05
    np.testing.assert_array_equal(layer.chosen.reshape(-1, 2), np.argsort(-P, axis=1)[:, :2])


def test_top_k_breaks_ties_toward_the_lower_index():
    """Catches an unstable sort (ties in any order) and ascending order."""
    scores = np.array([[0.2, 0.5, 0.5, 0.1], [0.25, 0.25, 0.25, 0.25]])
    np.testing.assert_array_equal(top_k(scores, 2), [[1, 2], [0, 1]])


# Switch's balance loss ---------------------------------------------------------------------
def test_the_balance_loss_is_1_at_uniform_routing_and_more_when_it_collapses():
    """At uniform routing (f = P = 1/E) E·Σ f P = 1 for every k (f a share of the k·N
    choices); a collapsed router gives E·P₀ > 1. Catches f as a count (not a share), a
    missing factor E, and f over N instead of k·N (2 at k = 2)."""
    E = 4
    for k in (1, 2):
        load = np.full(E, 3 * k)                            # N = 12 tokens, k choices each
        assert balance_loss(np.full((12, E), 1 / E), load, 12 * k)[0] == pytest.approx(1.0, abs=1e-15)
    # through the layer: token t is sent to expert t mod E, probabilities are a cyclic shift
    layer = moe(E, 3, E, 1)
    layer.params["router.W"][...] = 3 * np.eye(E)
    layer.forward(np.tile(np.eye(E), (2, 1))[None])         # (1, 8, E)
    np.testing.assert_array_equal(layer.load, [2, 2, 2, 2])
    assert layer.aux_loss == pytest.approx(1.0, abs=1e-14)
    # collapsed: every token to expert 0, with mean probability P₀ > 1/E
    layer.params["router.W"][...] = 0
    layer.params["router.W"][:, 0] = 3
    x = np.abs(np.random.default_rng(3).standard_normal((1, 8, E))) + 0.5
    layer.forward(x)
    np.testing.assert_array_equal(layer.load, [8, 0, 0, 0])
    assert layer.aux_loss == pytest.approx(E * layer.probs[..., 0].mean(), rel=1e-14)
    assert layer.aux_loss > 3.5


def router_objective(layer, x, lam):
    """λ·aux as a function of the router's weights, with the routing of ``x`` fixed."""
    def f(_):
        layer.forward(x)
        return lam * layer.aux_loss
    return f


def test_the_balance_gradient_flows_through_P_only():
    """f is piecewise constant (∂f/∂W = 0), so ∂(λ·aux)/∂W is λ·E/N · Xᵀ(softmax'ᵀ f), the
    finite differences of λ·aux with the choice unchanged. Catches f and P swapped in the
    gradient (λ·E·P/N where f belongs: this router is skewed, so f ≠ P), and the gradient
    not added at all."""
    rng = np.random.default_rng(4)
    layer = moe(4, 3, 4, 2, aux_weight=0.3)
    layer.params["router.W"][...] = rng.standard_normal((4, 4)) + [2, 0, 0, -1]
    x = rng.standard_normal((2, 5, 4))
    y = layer.forward(x)
    assert np.abs(layer.load / layer.load.sum() - layer.probs.reshape(-1, 4).mean(0)).max() > 0.05
    layer.backward(np.zeros_like(y))                        # E = 0: only λ·aux is left
    numeric = nb.numerical_gradient(router_objective(layer, x, 0.3), layer.params["router.W"])
    assert nb.relative_error(layer.grads["router.W"], numeric) < 1e-7
    assert np.abs(numeric).max() > 1e-3


# gradients -------------------------------------------------------------------------------
def test_an_expert_no_token_chose_gets_exactly_zero_gradient():
    """Catches the gradients of an earlier batch left in place (an optimizer would apply
    them again) and any round-off where the gradient is exactly 0."""
    rng = np.random.default_rng(5)
    layer = moe(4, 5, 3, 1, shared_expert=True)
    x = rng.standard_normal((2, 4, 4))
    y = layer.forward(x)
    layer.backward(rng.standard_normal(y.shape))          # every expert's grads may be set
    layer.params["router.W"][:, 2] = -50                   # x ≥ 0 below: nobody picks 2
    layer.forward(np.abs(x))
    assert layer.load[2] == 0
    for g in layer.grads.values():
        g[...] = 7.0                                       # stale numbers
    layer.backward(rng.standard_normal(y.shape))
    for k in ("W_1", "W_3", "W_2"):
        assert not layer.grads[f"expert2.{k}"].any(), k
        assert layer.grads[f"expert0.{k}"].any() or layer.load[0] == 0
        assert layer.grads[f"shared.{k}"].any()


@pytest.mark.parametrize("seed", [0, 1, 5, 7])      # seeds whose choices are off ties
def test_every_gradient_of_E_plus_lambda_aux_against_finite_differences(seed):
    """All options on, in training, so some tokens are dropped: E = Σ y ⊙ dy + λ·aux against
    central differences for x and every parameter. Catches a wrong renormalisation term,
    a dropped token's g not zeroed, the shared expert's ∂E/∂x forgotten, the aux term
    missing from ∂E/∂x."""
    rng = np.random.default_rng(seed)
    layer = moe(3, 4, 4, 2, shared_expert=True, capacity_factor=0.75, aux_weight=0.2,
                rng=seed)
    layer.training = True
    layer.params["router.W"][...] = 2 * rng.standard_normal((3, 4))
    x = rng.standard_normal((2, 4, 3))
    y = layer.forward(x)
    p = np.sort(layer.probs.reshape(-1, 4), axis=1)
    assert (p[:, 2] - p[:, 1]).min() > 5e-4                # no step of 1e-6 crosses a tie
    assert layer.dropped > 0
    dy = rng.standard_normal(y.shape)

    def energy(_):
        return float(np.sum(layer.forward(x) * dy)) + 0.2 * layer.aux_loss

    layer.forward(x)
    dx = layer.backward(dy)
    assert nb.relative_error(dx, nb.numerical_gradient(energy, x)) < 1e-7
    for k, p in layer.params.items():
        assert nb.relative_error(layer.grads[k], nb.numerical_gradient(energy, p)) < 1e-7, k


# capacity --------------------------------------------------------------------------------
def test_capacity_drops_are_counted_exactly():
    """Six tokens want expert 0 and two expert 1, capacity ceil(1.0·1·8/2) = 4: tokens 4
    and 5 of expert 0's queue are dropped, 2 = Σ max(0, load − C). Catches ≤ C for < C
    (one token fewer dropped), a queue in the wrong order and a dropped token that still
    gets its expert's output."""
    layer = moe(2, 3, 2, 1, capacity_factor=1.0)
    layer.params["router.W"][...] = [[2.0, -2.0], [-2.0, 2.0]]
    x = np.array([[[1, 0]] * 6 + [[0, 1]] * 2], dtype=float)          # (1, 8, 2)
    x[0, :, :] += np.linspace(0, 0.1, 8)[:, None]                     # eight distinct tokens
    layer.training = True
    y = layer.forward(x)
    assert layer.capacity == 4 and list(layer.load) == [6, 2]
    assert layer.dropped == 2 == sum(max(0, n - 4) for n in layer.load)
    assert not y[0, 4:6].any()                             # no shared expert: exactly 0
    assert np.abs(y[0, :4]).min() > 0 and np.abs(y[0, 6:]).min() > 0
    layer.training = False                                 # inference drops nothing
    layer.forward(x)
    assert layer.dropped == 0 and layer.capacity is None


def test_capacity_fills_first_choices_before_second_ones():
    """k = 2: every token's first choice comes before any second choice. Catches a queue in
    token order (token 0's second choice would then take expert 1's only slot)."""
    chosen = np.array([[0, 1], [1, 0], [1, 2]])
    np.testing.assert_array_equal(keep_within_capacity(chosen, 3, 2),
                                  [[True, False], [True, True], [True, True]])
    np.testing.assert_array_equal(keep_within_capacity(chosen, 3, 1),
                                  [[True, False], [True, False], [False, True]])


# the bias balancing ----------------------------------------------------------------------
def test_the_bias_moves_a_skewed_router_toward_balance():
    """A router that sends every token to expert 0; each training forward nudges the bias
    (and then, with steps of a constant size γ, swings around the balance).
    Catches the sign flipped (the load stays on expert 0), the bias in the weights (the
    weights then differ from the probabilities renormalised), and an update outside
    training."""
    rng = np.random.default_rng(6)
    layer = moe(4, 3, 4, 1, balance_rate=0.02)
    layer.params["router.W"][...] = rng.standard_normal((4, 4)) * 0.3
    layer.params["router.W"][:, 0] += 1.0
    x = np.abs(rng.standard_normal((4, 16, 4)))
    layer.forward(x)
    assert layer.load.max() / layer.load.mean() > 2.5
    layer.forward(x)                                       # training False: no update
    assert not layer.buffers["expert_bias"].any()
    layer.training = True
    ratios = []
    for _ in range(40):
        layer.forward(x)
        ratios.append(layer.load.max() / layer.load.mean())
    assert ratios[0] == 4.0                                # all 64 tokens on expert 0
    assert max(ratios[-10:]) < 2.5                         # constant ±γ steps: it oscillates
    assert all(layer.load > 0)                             # around balance, every expert used
    assert layer.buffers["expert_bias"][0] < 0
    P = layer.probs.reshape(-1, 4)
    layer.training = False
    y = layer.forward(x)
    chosen = layer.chosen.reshape(-1)
    assert (chosen != P.argmax(axis=1)).any()              # the bias changed the choice …
    X = x.reshape(-1, 4)
    for t in range(0, 64, 9):                              # … never the weight: 1.0 at k = 1
        e = chosen[t]
        np.testing.assert_allclose(y.reshape(-1, 4)[t],
                                   swiglu_of(layer, f"expert{e}").forward(X[t:t + 1])[0],
                                   rtol=0, atol=1e-13)


# in a block, in a model, saved, float32 -----------------------------------------------------
def test_in_a_block_and_a_model_saved_and_loaded(tmp_path):
    """Catches a block that does not save the experts' settings or the bias buffer (the
    loaded model then routes differently), and training not passed on to the experts."""
    rng = np.random.default_rng(7)
    block = nb.TransformerBlock.modern(8, 2, 12, ffn="moe", rng=rng,
                                       moe={"n_experts": 3, "k": 2, "shared_expert": True,
                                            "capacity_factor": 1.5, "balance_rate": 0.05})
    assert isinstance(block.ffn, nb.MixtureOfExperts) and "expert2.W_2" in block.params
    model = nb.Sequential([nb.Embedding(11, 8, rng=rng), block, nb.Dense(8, 11, rng=rng)])
    model.compile(nb.Adam(0.01), nb.CrossEntropy(from_logits=True))
    ids = rng.integers(0, 11, (8, 6))
    model.fit(ids, rng.integers(0, 11, (8, 6)), epochs=2, batch_size=4, verbose=0,
              rng=np.random.default_rng(0))
    assert block.buffers["expert_bias"].any()              # moved in training
    assert not block.ffn.experts[0].training               # predict left inference on
    model.save(tmp_path / "moe.npz")
    loaded = nb.load_model(tmp_path / "moe.npz")
    assert loaded.layers[1].get_config() == block.get_config()
    np.testing.assert_array_equal(loaded.layers[1].buffers["expert_bias"],
                                  block.buffers["expert_bias"])
    np.testing.assert_array_equal(loaded.predict(ids), model.predict(ids))


def test_a_model_of_experts_generates_alike_with_and_without_the_kv_cache():
    """Inference routes each position alone (no capacity there), so one cached token at a
    time gives what whole windows give. Catches a capacity applied in inference (a
    window's tokens would then compete for slots that a cached token has to itself)."""
    rng = np.random.default_rng(11)
    block = nb.TransformerBlock.modern(8, 2, 12, ffn="moe", rng=rng,
                                       moe={"n_experts": 3, "k": 2, "capacity_factor": 0.5})
    block.buffers["expert_bias"][...] = [0.05, -0.1, 0.0]
    model = nb.Sequential([nb.Embedding(11, 8, rng=rng), nb.PositionalEmbedding(32, 8, rng=rng),
                           block, nb.Dense(8, 11, rng=rng)])
    ids = rng.integers(0, 11, (2, 4))
    cached = nb.generate(model, ids, 12, use_cache=True, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(
        cached, nb.generate(model, ids, 12, use_cache=False, rng=np.random.default_rng(1)))


def test_alone_in_a_sequential_saved_and_loaded(tmp_path):
    layer = moe(4, 6, 3, 2, capacity_factor=2.0, aux_weight=0.01, balance_rate=0.1)
    layer.buffers["expert_bias"][...] = [0.3, -0.2, 0.0]
    model = nb.Sequential([layer])
    x = np.random.default_rng(8).standard_normal((2, 5, 4))
    model.save(tmp_path / "m.npz")
    loaded = nb.load_model(tmp_path / "m.npz").layers[0]
    assert loaded.get_config() == layer.get_config() == {
        "d_model": 4, "d_ff": 6, "n_experts": 3, "k": 2, "shared_expert": False,
        "capacity_factor": 2.0, "aux_weight": 0.01, "balance_rate": 0.1}
    np.testing.assert_array_equal(loaded.forward(x), layer.forward(x))


def test_float32_computes_in_float32_close_to_float64():
    rng = np.random.default_rng(9)
    f64 = moe(4, 6, 3, 2, shared_expert=True)
    f32 = moe(4, 6, 3, 2, shared_expert=True, dtype=np.float32)
    x = rng.standard_normal((2, 5, 4))
    y32, y64 = f32.forward(x), f64.forward(x)
    assert y32.dtype == np.float32 and all(p.dtype == np.float32 for p in f32.params.values())
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-5)
    dy = rng.standard_normal(y64.shape)
    dx32 = f32.backward(dy)
    assert dx32.dtype == np.float32
    np.testing.assert_allclose(dx32, f64.backward(dy), rtol=1e-4, atol=1e-5)


def test_the_draws_follow_the_stated_order():
    """router, then each expert as a SwiGLU, from the one rng."""
    layer = moe(3, 4, 2, 1, rng=10)
    rng = np.random.default_rng(10)
    nb.init.xavier_uniform((3, 2), 3, 2, rng, np.float64)
    first = nb.SwiGLU(3, 4, rng=rng)
    assert all(np.array_equal(first.params[k], layer.params[f"expert0.{k}"]) for k in first.params)


# errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, match", [
    (dict(n_experts=0), r"MixtureOfExperts: expected n_experts to be an integer ≥ 1, got 0\. "
                        r"Give at least one"),
    (dict(n_experts=2, k=0), r"expected k to be an integer ≥ 1, got 0"),
    (dict(n_experts=2, k=3), r"expected k ≤ n_experts .*got k=3 with n_experts=2\. Lower k"),
    (dict(n_experts=2, capacity_factor=0), r"expected capacity_factor= None \(no limit\) or a "
                                           r"number > 0 .*got 0"),
    (dict(n_experts=2, aux_weight=-1), r"expected aux_weight= a weight ≥ 0"),
    (dict(n_experts=2, balance_rate=float("nan")), r"expected balance_rate= a step ≥ 0"),
    (dict(n_experts=2, shared_expert=1), r"expected shared_expert=True or False, got 1"),
])
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nb.MixtureOfExperts(4, 6, **kwargs)


def test_forward_errors():
    layer = moe(4, 6, 8, 1, capacity_factor=1.25)
    layer.training = True
    with pytest.raises(ValueError, match=r"capacity_factor=1\.25 gives c·k·N/E = 1\.25·1·2/8 = "
                                         r"0\.312 tokens per expert, expected at least 1\. Raise "
                                         r"capacity_factor to ≥ 4"):
        layer.forward(np.ones((1, 2, 4)))
    with pytest.raises(ValueError, match=r"expected finite inputs, got 1 NaN or infinite values"):
        layer.forward(np.array([[[1.0, np.nan, 0.0, 0.0]]]))
    with pytest.raises(ValueError, match=r"expected input of shape \(m, 4\) .*got \(2, 3\)"):
        layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"backward\(\) was called before forward\(\)"):
        moe(4, 6, 2).backward(np.ones((1, 4)))
    # a bias that picks an expert whose probability underflowed: weights 0/0, not NaN
    layer = moe(4, 6, 2)
    layer.router.params["W"][:] = 0.0
    layer.router.params["W"][0, 0] = 2000.0            # P = (1, 0) exactly for x = e_0
    layer.buffers["expert_bias"][:] = [0.0, 2.0]
    with pytest.raises(ValueError, match=r"for 1 of 1 tokens the selection bias chose only "
                                         r"experts whose router probabilities underflow to 0.*"
                                         r"got expert_bias from 0 to 2"):
        layer.forward(np.array([[[1.0, 0.0, 0.0, 0.0]]]))


def test_block_errors():
    with pytest.raises(ValueError, match=r"moe=\{'n_experts': 2\} sets a mixture of experts, "
                                         r"but ffn='swiglu'"):
        nb.TransformerBlock(4, 2, 6, ffn="swiglu", moe={"n_experts": 2})
    with pytest.raises(ValueError, match=r"ffn='moe' expected moe= a dict with 'n_experts'"):
        nb.TransformerBlock(4, 2, 6, ffn="moe")
    with pytest.raises(ValueError, match=r"ffn='moe' expected moe= .*got \{'n_experts': 2, "
                                         r"'top_k': 1\}"):
        nb.TransformerBlock(4, 2, 6, ffn="moe", moe={"n_experts": 2, "top_k": 1})
