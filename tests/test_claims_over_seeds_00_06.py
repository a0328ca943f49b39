"""Chapters 00-06's conclusions from random runs hold for seeds the notebooks do not use.

Each chapter draws its weights, data and batch order from seeds; its notebook shows the
seeds it used and asserts a conclusion over them. These tests re-run the same experiments
(the notebooks' code, or the same function from nnbook.experiments) on seeds no notebook
uses, in the form of tests/claims.py: each test asserts a conclusion on one seed, or on the
ten starts range(seed, seed + 10) where the conclusion is about many starts, and states how
often the chapter says it holds. In CI the seeds are fixed (9001, and the start sets
9000-9009 and 9100-9109; 9002 too until 2026-12-01, dropped to save CI's CPU);
`nox -s fresh_seeds` draws new ones (review
../shared/reviews/seeds-00-16-reading.md, issue 41).
"""

import functools

import numpy as np
import pytest
from claims import seeds

import nnbook as nb
from nnbook.diagnostics import activation_stats, gradient_norms
from nnbook.experiments import batch_sizes, deep_stacks
from nnbook.explore import train_xor

# Issue 76 (session 51): every claim here about trained models or sampled runs is a rate over
# a pool that includes the 30 fresh seeds of 2026-11-29 (`python tests/fresh_seeds.py --heavy
# --seeds 30`, commit 79766ba: 219900, 105392300, 121249900, 418744000, 531243100, 573014800,
# 584997000, 741051000, 842783200, 929566100, 959874300, 972831000, 1124537100, 1146760900,
# 1173063400, 1233287500, 1265746600, 1345326700, 1384345200, 1385633600, 1448770000,
# 1467375200, 1519791000, 1523877300, 1678136900, 1909874200, 2017658700, 2041625600,
# 2130162700, 2141360800): a claim stated "every" until then is now k of (30 + its CI fixed
# seeds), a stated (k, n) is (k + the fresh passes, n + 30).

SEEDS = (9001,)                               # no notebook uses it
START_SETS = (9000, 9100)                    # the first of ten starts, range(s, s + 10)


# -- chapter 00: the notes' 10 epochs, and 1500 --------------------------------------------
def fit_by_hand(w, b, steps, x=np.array([1.0, 2.0, 3.0, 4.0, 6.0])):
    for _ in range(steps):
        err = w * x + b - x
        w, b = w - 0.01 * 2 * np.mean(err * x), b - 0.01 * 2 * np.mean(err)
    return w, b


@pytest.mark.claim(stated=(32, 32), text="ch00: 10 epochs reach 5 ± 0.1 exactly from starts "
                                         "inside the window; 1500 from any; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_00_ten_epochs_suffice_only_inside_the_window_and_1500_from_every_start(seed):
    def after_10(w0):
        w, b = fit_by_hand(w0, 0.0, 10)
        return 5 * w + b

    p_0, slope = after_10(0.0), after_10(1.0) - after_10(0.0)
    low, high = sorted([(4.9 - p_0) / slope, (5.1 - p_0) / slope])
    model = nb.Sequential([nb.Dense(1, 1, rng=np.random.default_rng(seed))])
    w0 = model.params["0.W"][0, 0]
    model.compile(optimizer="sgd", loss="mse")
    x = [1.0, 2.0, 3.0, 4.0, 6.0]
    model.fit(x, x, epochs=10, verbose=0, rng=np.random.default_rng(seed))
    assert (low <= w0 <= high) == (abs(model.predict([5.0])[0, 0] - 5) <= 0.1)
    model.fit(x, x, epochs=1490, verbose=0, rng=np.random.default_rng(seed))
    assert abs(model.predict([5.0])[0, 0] - 5) < 0.01


# -- chapter 01: cross-entropy against the squared error on AND ----------------------------
@pytest.mark.claim(stated=(32, 32), text="ch01: cross-entropy ends more than 5x closer than "
                                         "the squared error on AND; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_01_cross_entropy_ends_more_than_5x_closer_on_and(seed):
    X, Y = nb.data.logic_gate("and")
    w0 = np.random.default_rng(seed).normal(scale=0.5, size=2)
    worst = {}
    for loss in ("squared", "cross-entropy"):
        w, b = w0.copy(), 0.0
        for _ in range(500):
            for a, y in zip(X, Y[:, 0]):
                y_hat = nb.sigmoid(a @ w + b)
                g = y_hat * (1 - y_hat) if loss == "squared" else 1.0
                w, b = w + 2.0 * g * a * (y - y_hat), b + 2.0 * g * (y - y_hat)
        worst[loss] = np.max(np.abs(nb.sigmoid(X @ w + b) - Y[:, 0]))
    assert worst["squared"] < 0.1 and worst["cross-entropy"] < 0.1
    assert worst["cross-entropy"] < worst["squared"] / 5


# -- chapter 02: the chain goes downhill; twenty layers lose more than 11 decades ----------
def chain_grads(x, y, w):
    q, z = [x], []
    for w_k in w:
        z.append(w_k * q[-1])
        q.append(nb.sigmoid(z[-1]))
    e, grads = q[-1] - y, np.zeros(len(w))
    for k in reversed(range(len(w))):
        delta = nb.sigmoid(z[k]) * (1 - nb.sigmoid(z[k])) * e
        grads[k], e = delta * q[k], w[k] * delta
    return grads, 0.5 * (y - q[-1]) ** 2


@pytest.mark.claim(stated=(32, 32), text="ch02: the chain descends every step; twenty layers "
                                         "lose more than 11 decades; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_02_chain_descends_every_step_and_depth_loses_11_decades(seed):
    w, J = np.random.default_rng(seed).uniform(-2, 2, size=3), []
    for _ in range(200):
        g, J_step = chain_grads(1.5, 0.9, w)
        w, J = w - 5.0 * g, J + [J_step]
    assert np.all(np.diff(J) < 0) and J[-1] < 1e-2 * J[0]
    w_deep = np.random.default_rng(seed).uniform(0.5, 1.5, size=20)
    first = [abs(chain_grads(1.0, 1.0, w_deep[:L])[0][0]) for L in (1, 20)]
    assert first[0] / first[1] > 1e11


# -- chapter 03: the notes' wrong formulas miss by far more than finite differences' error
@pytest.mark.claim(stated=(32, 32), text="ch03: the notes' errata formulas differ from the "
                                         "right ones; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_03_errata_formulas_miss_by_more_than_1e_5(seed):
    r = np.random.default_rng(seed)
    x, W1, b1 = r.normal(size=(2, 1)), r.normal(size=(3, 2)), r.normal(size=(3, 1))
    W2, b2 = r.normal(size=(1, 3)), r.normal(size=(1, 1))
    A1 = np.tanh(W1 @ x + b1)
    dZ1 = W2.T @ (nb.sigmoid(W2 @ A1 + b2) - 1.0) * (1 - A1**2)
    assert nb.relative_error(dZ1 @ x.T * (1 - A1**2), dZ1 @ x.T) > 1e-5
    x1, dy1 = r.normal(size=3), r.normal(size=4)
    one_index = np.array([[dy1[i] * x1[i] for i in range(3)] for _ in range(4)])
    assert nb.relative_error(one_index, np.outer(dy1, x1)) > 1e-5
    W = nb.Dense(3, 3, rng=r).params["W"]
    dy3 = r.normal(size=(1, 3))
    assert nb.relative_error(dy3 @ W, dy3 @ W.T) > 1e-5


# -- chapter 04: initial weights; batch sizes ------------------------------------------------
def numerical_rank(H):
    s = np.linalg.svd(H, compute_uv=False)
    return int(np.sum(s > 1e-2 * s[0]))


@pytest.mark.claim(stated=(32, 32), text="ch04: Xavier < small random < all 0.5 < zeros in "
                                         "final loss; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_04_xavier_beats_small_random_beats_equal_beats_zeros(seed):
    r = np.random.default_rng(seed)
    x, y = batch_sizes.sine_task(r)
    grid = np.linspace(-3, 3, 200).reshape(-1, 1)
    starts = {"zeros": "zeros", "all 0.5": nb.init.constant(0.5),
              "small random": "small_random", "Xavier": "xavier_uniform"}
    loss, rank = {}, {}
    for name, init in starts.items():
        net = nb.Sequential([nb.Dense(1, 16, init=init, rng=r), nb.Tanh(),
                             nb.Dense(16, 1, init=init, rng=r)])
        if name == "Xavier":
            rank["Xavier start"] = numerical_rank(net.layers[1].forward(net.layers[0].forward(grid)))
        net.compile(nb.SGD(lr=0.05), "mse")
        loss[name] = net.fit(x, y, epochs=100, batch_size=32, verbose=0, rng=r).history["loss"][-1]
        if name == "small random":
            rank["small end"] = numerical_rank(net.layers[1].forward(net.layers[0].forward(grid)))
    assert loss["Xavier"] < loss["small random"] < 0.5 * loss["all 0.5"] < loss["zeros"]
    assert rank["Xavier start"] >= 2 and rank["small end"] >= 2


@pytest.mark.claim(stated=(32, 32), text="ch04: per epoch one sample < mini-batch < full "
                                         "batch; per update they agree; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_04_batch_sizes_rank_per_epoch_and_agree_per_update(seed):
    row = batch_sizes.batch_sizes(seed)
    assert row["one sample"] < row["mini-batch"] < row["full batch"]
    assert abs(row["mini 7 / full 49"] - 1) < 0.1


# -- chapter 05: XOR from many starts -------------------------------------------------------
def xor_right(net):
    X, y = nb.data.xor()
    return bool(np.array_equal(net.predict(X) > 0.5, y == 1))


def xor_starts(seed):
    """Ten starts of each network of chapter 05 from range(seed, seed + 10): which ended
    right, and their last losses."""
    starts, right, loss = range(seed, seed + 10), {}, {}
    for name, (hidden, lr) in {"2": (2, 1.0), "3": (3, 1.0), "4": (4, 1.0),
                               "4 slow": (4, 0.1)}.items():
        runs = [train_xor(hidden=hidden, lr=lr, epochs=300, seed=s) for s in starts]
        right[name] = [xor_right(net) for net, _ in runs]
        loss[name] = np.array([losses[-1] for _, losses in runs])
    return starts, right, loss


_xor_starts = functools.lru_cache(maxsize=None)(xor_starts)


# Stated for every seed until the audit of session 39 (the tenth to thirteenth fresh runs,
# two seeds of a timing run and 120 new seeds, multiples of 100 from 10,501,000 to
# 10,512,900: 162 sets of ten starts): on seed 10510400 all ten two-unit starts found XOR,
# so "two units stall from some starts" is a count: 161 of 162. On seed 10512200 two and
# four units were right equally often (9 and 9): "four never fewer" holds there; the assert
# asked for strictly more, which the text never said, and now asks what it says.
@pytest.mark.claim(stated=(191, 192), text="ch05: two units stall from some starts, four never "
                                           "fewer; α = 0.1 ends 10x higher (191 of 192 new sets)")
@pytest.mark.parametrize("seed", seeds(*START_SETS))
def test_05_two_units_stall_from_some_starts_more_units_less_often(seed):
    starts, right, loss = _xor_starts(seed)
    n = {name: sum(r) for name, r in right.items()}
    assert 0 < n["2"] < len(starts) and n["2"] <= n["4"]
    assert 0 < n["4 slow"] < len(starts) and np.median(loss["4 slow"] / loss["4"]) > 10
    stalled = [s for s, ok in zip(starts, right["2"]) if not ok]
    assert any(not xor_right(train_xor(hidden=2, lr=1.0, epochs=3000, seed=s)[0])
               for s in stalled[:3])                   # some stalled start stays wrong
    pairs = list(zip(starts[0::2], starts[1::2]))       # the lower loss of two starts
    by_seed = dict(zip(starts, zip(right["2"], loss["2"])))
    for a, b in pairs:
        kept = a if by_seed[a][1] <= by_seed[b][1] else b
        assert by_seed[kept][0] == (by_seed[a][0] or by_seed[b][0])


@pytest.mark.claim(stated=(39, 40), text="ch05: on ten starts, three units are right more often "
                                         "than two (39 of 40 new sets)")
@pytest.mark.parametrize("seed", seeds(*START_SETS))
def test_05_three_units_right_more_often_than_two(seed):
    # the chapter's twenty starts: 11 against 18; fresh set 601841300 (2026-11-25): 7 and 7
    _, right, _ = _xor_starts(seed)
    assert sum(right["2"]) < sum(right["3"])


# Held on the fifty seeds of the first five fresh runs; the sixth run found a start from
# which it stalls (1345660100: the loss fell only 2.4 times, an output 0.65 off). On 200 new
# starts (multiples of 100 above 9,200,000) it solved XOR from 194. Pooled: 253 of 260, which
# chapter 05 says in words ("three hidden units stall now and then").
@pytest.mark.claim(stated=(281, 290), text="ch05: the notes' 3-tanh network solves XOR (281 of "
                                           "290 new starts)")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_05_the_notes_network_solves_xor(seed):
    X, y = nb.data.xor()
    r = np.random.default_rng(seed)
    net = nb.Sequential([nb.Dense(2, 3, rng=r), nb.Tanh(), nb.Dense(3, 1, rng=r), nb.Tanh()])
    net.compile(nb.SGD(lr=0.1), "mse")
    losses = net.fit(X, y, epochs=1000, batch_size=1, verbose=0, rng=r).history["loss"]
    out = net.predict(X)
    assert np.array_equal(np.round(out).ravel(), [0, 1, 1, 0])
    assert np.max(np.abs(out - y)) < 0.25 and losses[-1] < losses[0] / 20


# -- chapter 06: deep networks --------------------------------------------------------------
def deep_stack(init, r, depth=30, width=64, activation=nb.Sigmoid):
    # section 3's networks: depth × (Dense → activation), then a linear Dense(width → 1)
    layers = []
    for _ in range(depth):
        layers += [nb.Dense(width, width, init=init, rng=r), activation()]
    return nb.Sequential(layers + [nb.Dense(width, 1, init=init, rng=r)])


# The too-small and too-large factors (chapter 06's "about 50" and "about 1.2 to 1.3") were
# added after a cold reading: on 300 new seeds, multiples of 100 above 5,000,000, the whole
# test passed on all 300. The fresh-seeds run of 2026-11-28 (session 47) contradicted it on
# one of its ten seeds, 1992213800: too-small 51.0 as usual, too-large 0.982 (the gradient
# grew a little towards the input), every other part held. The too-large factor is now a
# claim of its own, stated as its count: between 1 and 1.5 on 309 of 310 new seeds.
def too_large_and_too_small_factors(seed):
    """Section 3's sigmoid factor per layer with too-large (N(0, 1)) and too-small weights,
    on the draw the test below makes after its Xavier and He networks."""
    r = np.random.default_rng(seed)
    x, y = r.standard_normal((128, 64)), r.standard_normal((128, 1))
    for init in (nb.init.xavier_normal, nb.init.he_normal):
        deep_stack(init, r)                     # the same draws as the test below
    net = deep_stack(nb.init.normal(1.0), r)
    g = gradient_norms(net, x, y, loss="mse")
    too_large = (g[29] / g[0]) ** (1 / 29)
    g = gradient_norms(deep_stack(nb.init.small_random, r), x, y, loss="mse")
    return (g[29] / g[0]) ** (1 / 29), too_large


@pytest.mark.claim(stated=(339, 340), text="ch06: the sigmoid's factor per layer with "
                                           "too-large weights lies between 1 and 1.5 (339 of "
                                           "340 new seeds)")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_06_too_large_factor_between_1_and_1_5(seed):
    _, too_large = too_large_and_too_small_factors(seed)
    assert 1.0 < too_large < 1.5, too_large


@pytest.mark.claim(stated=(32, 32), text="ch06: the chain spans 10 decades; sigmoid factors "
                                         "2.5 < He < Xavier < 5, too small 30-70; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_06_chain_span_and_the_sigmoid_factors(seed):
    w = np.random.default_rng(seed).uniform(0.5, 2.5, size=20)
    chain = nb.Sequential([layer for w_k in w
                           for layer in (nb.Dense(1, 1, init=nb.init.constant(w_k)), nb.Sigmoid())])
    g = gradient_norms(chain, np.array([[1.0]]), np.array([[0.0]]), loss="mse")
    assert g[-1] / g[0] > 1e10
    r = np.random.default_rng(seed)
    x, y = r.standard_normal((128, 64)), r.standard_normal((128, 1))
    factor = {}
    for name, init in [("Xavier", nb.init.xavier_normal), ("He", nb.init.he_normal)]:
        g = gradient_norms(deep_stack(init, r), x, y, loss="mse")
        factor[name] = (g[29] / g[0]) ** (1 / 29)
    assert 2.5 < factor["He"] < factor["Xavier"] < 5.0 and factor["Xavier"] > 3.5
    assert factor["He"] < 4.0
    net, outs = deep_stack(nb.init.normal(1.0), r), []
    net.forward(x, outputs=outs)
    slope = nb.Sigmoid().derivative
    assert min(np.mean(slope(z) < 0.05 * 0.25) for z in outs[0:60:2]) > 0.15
    # the factor with too-small weights (the too-large one, the network just drawn, is the
    # claim above)
    g = gradient_norms(deep_stack(nb.init.small_random, r), x, y, loss="mse")
    too_small = (g[29] / g[0]) ** (1 / 29)
    assert 30 < too_small < 70, too_small


# Section 3's 30-layer networks drawn afresh: the notebook asserts these two spreads on its
# one draw (section 3's checks, and section 7's for ReLU + He). On 300 new seeds, multiples of
# 100 above 5,000,000, tanh + Xavier's spread (the largest over the smallest gradient norm of
# the 30 hidden layers) was 1.3 to 6.9 and every norm inside 1e-3 to 1e3: the every-seed claim.
@pytest.mark.claim(stated=(32, 32), text="ch06: tanh + Xavier keeps the 30 layers' gradient norms "
                                         "within a factor of 30, in 1e-3 to 1e3; 32 of 32 seeds")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_06_tanh_xavier_gradients_stay_in_range(seed):
    r = np.random.default_rng(seed)
    x, y = r.standard_normal((128, 64)), r.standard_normal((128, 1))
    g = gradient_norms(deep_stack(nb.init.xavier_normal, r, activation=nb.Tanh), x, y, loss="mse")
    spread = g[:30].max() / g[:30].min()
    assert spread < 30 and np.all((g > 1e-3) & (g < 1e3)), spread


# ReLU + He on the same 300 new seeds: every norm inside 1e-3 to 1e3, and a spread of 1.5 to
# 78.1 (median 5.3), below 30 on 298 (the notebook's draw: 2.6). Chapter 06 says "other draws
# spread more, and on a few new ones past 30"; a cold reading had found 4.8 to 14.7 on 4 draws.
# The sixth fresh run found three of its ten past 30 (30.6, 30.7 and 62.1); 300 more seeds
# drawn uniformly from 100,000 to 2**31 gave 299 below 30 (the largest 30.6). Pooled: 604 of
# 610. The tail is long and its edge sits near 30, so the claim is this count, not "every".
@pytest.mark.claim(stated=(634, 640), text="ch06: ReLU + He keeps the 30 layers' gradient "
                                           "norms within a factor of 30 (634 of 640 new seeds)")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_06_relu_he_gradients_stay_in_range(seed):
    r = np.random.default_rng(seed)
    x, y = r.standard_normal((128, 64)), r.standard_normal((128, 1))
    g = gradient_norms(deep_stack(nb.init.he_normal, r, activation=nb.ReLU), x, y, loss="mse")
    spread = g[:30].max() / g[:30].min()
    assert spread < 30 and np.all((g > 1e-3) & (g < 1e3)), spread


# Stated for every seed until the tenth fresh run (2026-11-26): on seed 396625200 one of the
# ten Xavier draws reached 0.757. The notebook's check puts the false-alarm rate of Xavier's
# ten near 1 % (each draw passes 0.75 with probability about 9e-4 under a normal law). On
# 1000 new seeds (multiples of 100 from 9,800,100 to 9,900,000) the check held on 992; with
# the nine earlier fresh runs' 90 seeds (all held; the test is unchanged since before the
# first) and the tenth's 9 of 10: 1091 of 1100. Chapter 06 says the count.
@pytest.mark.claim(stated=(1121, 1130), text="ch06: He's ReLU factor stays near 1, Xavier's "
                                             "below 0.75 (1121 of 1130 new seeds)")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_06_he_factor_stays_near_one_and_xavier_stays_below(seed):
    # He's factor is not asserted to straddle 1: it averages about 0.985 per layer (a
    # product of random factors drifts below 1), so ten draws all fall below 1 on about
    # one set in fourteen
    r = np.random.default_rng(seed)
    x = r.standard_normal((128, 64))
    factors = {}
    for name, init in [("He", nb.init.he_normal), ("Xavier", nb.init.xavier_normal)]:
        f = []
        for _ in range(10):
            layers = []
            for _ in range(30):
                layers += [nb.Dense(64, 64, init=init, rng=r), nb.ReLU()]
            s = activation_stats(nb.Sequential(layers), x)["std"][1::2]
            f.append((s[-1] / s[0]) ** (1 / 29))
        factors[name] = np.array(f)
    assert np.all(np.abs(factors["He"] - 1) < 0.15)
    assert abs(factors["He"].mean() - 1) < 0.05 and factors["Xavier"].max() < 0.75


_clipping = functools.lru_cache(maxsize=None)(deep_stacks.clipping)   # two claims read it


# Split from one every-seed claim ("the unclipped run overflows, every clip converges"), which
# failed on new seeds: a cold reading found 3 of 300 (600,000 to 600,299) where clipping()'s
# unclipped run did not overflow. Counted again over 300 new seeds, multiples of 100 above
# 5,000,000: both unclipped runs below overflowed on 298; on one the first-steps run grew by
# about 230 decades in 64 steps without overflowing, on another clipping()'s run grew past
# 1e127 and stayed finite for its 60 epochs. So the overflow is a count (chapter 06 says
# "from nearly every start, not from all").
@pytest.mark.claim(stated=(328, 330), text="ch06: the unclipped run overflows (328 of 330 new "
                                           "seeds)")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_06_unclipped_run_overflows(seed):
    X, y = deep_stacks.regression_task(np.random.default_rng(seed))
    net_seed, fit_seed = np.random.default_rng(seed + 1).integers(2**31, size=2)
    model = deep_stacks.steep_net(net_seed)
    model.compile(nb.SGD(0.01), "mse")
    order, losses = np.random.default_rng(fit_seed), []
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(FloatingPointError):
        for _ in range(8):
            perm = order.permutation(len(X))
            for b in np.split(perm, len(perm) // 32):
                h = model.fit(X[b], y[b], epochs=1, batch_size=32, shuffle=False, verbose=0)
                losses.append(h.history["loss"][0])
    assert len(losses) < 8 and losses[-1] > 100 * losses[0]
    assert _clipping(seed)["unclipped overflowed"] == 1


# The other half of the split claim stays an every-seed claim: on the first 100 of the 300 new
# seeds above (multiples of 100 from 5,000,100 to 5,010,000) every clipped run ended below a
# quarter of Var(y) (0.011 to 0.134 of it), as on the cold reading's 12 new seeds
# Held on those 100 until the thirteenth fresh run (2026-11-27): on seed 66677700 the run
# clipped by global norm ended at 0.273 of Var(y). On 200 new seeds (multiples of 100 from
# 10,400,100 to 10,420,000) every clip ended below a quarter on 197: with the 100 and the
# run's 9 of 10, 306 of 310.
@pytest.mark.claim(stated=(336, 340), text="ch06: every clip converges, below a quarter of "
                                           "Var(y) (336 of 340 new seeds)")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_06_clipping_converges(seed):
    row = _clipping(seed)
    assert all(row[name] < 0.25 for name in deep_stacks.CLIPS), row


_residual = functools.lru_cache(maxsize=None)(deep_stacks.residual)   # three claims read it


# Section 7's four 20-layer stacks on 210 new seeds: the fourth fresh run's ten, where the
# residual stack overflowed on one, and 200 drawn for this count (multiples of 100 above
# 100,000). The plain stacks stayed at the mean's loss on all 210 (on the 200, sigmoid +
# Xavier 1.002 to 1.010 of Var(y), tanh plain 1.000 to 1.001): the every-seed claim. The
# residual stack learned on 198 (0.056 to 0.31 on the 200) and blew up on 12 (overflowed on
# 8, its loss past 1e176 on 4): its sums grew, as the chapter warns they can. ReLU + He
# learned on 209 (0.044 to 0.31) and overflowed on one, a seed where the residual stack
# learned. Issue 76: +30 fresh seeds (the pool above), all held: 240 of 240 new seeds.
@pytest.mark.claim(stated=(240, 240), text="ch06: the plain sigmoid + Xavier and small-tanh "
                                           "stacks stay at the mean's loss (240 of 240 new "
                                           "seeds)")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_06_plain_stacks_stay_at_the_mean(seed):
    row = _residual(seed)
    assert row["sigmoid + Xavier"] > 0.9 and row["tanh plain"] > 0.9, row


@pytest.mark.claim(stated=(227, 240), text="ch06: the residual tanh stack learns, below half "
                                           "of Var(y) (227 of 240 new seeds)")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_06_residual_stack_learns(seed):
    assert _residual(seed)["tanh residual"] < 0.5


@pytest.mark.claim(stated=(239, 240), text="ch06: ReLU + He learns, below half of Var(y) "
                                           "(239 of 240 new seeds)")
@pytest.mark.parametrize("seed", seeds(*SEEDS))
def test_06_relu_he_learns(seed):
    assert _residual(seed)["ReLU + He"] < 0.5


def unclipped_first_steps(X, y, net_seed, fit_seed, steps=24):
    # chapter 06's first_steps({}): the loss of each batch before its step, until overflow
    model = deep_stacks.steep_net(net_seed)
    model.compile(nb.SGD(0.01), "mse")
    order, losses = np.random.default_rng(fit_seed), []
    with np.errstate(over="ignore", invalid="ignore"):
        while len(losses) < steps:
            perm = order.permutation(len(X))
            for b in np.split(perm, len(perm) // 32)[:steps - len(losses)]:
                try:
                    h = model.fit(X[b], y[b], epochs=1, batch_size=32, shuffle=False,
                                  verbose=0)
                except FloatingPointError:
                    return np.array(losses)
                losses.append(h.history["loss"][0])
    return np.array(losses)


@pytest.mark.claim(stated=(32, 32), text="ch06: unclipped runs blow up from at least 9 of 10 "
                                         "starts; 32 of 32 sets")
@pytest.mark.parametrize("seed", seeds(*START_SETS))
def test_06_unclipped_blow_up_from_all_starts_but_at_most_one_of_ten(seed):
    starts = range(seed, seed + 10)
    # the notebook asserts nine of ten, not ten: about one start in a hundred does not
    # overflow within 24 steps (4 of 390 in the notebook, e.g. its seeds 102 and 395)
    X, y = deep_stacks.regression_task(np.random.default_rng(starts[0]))
    blown = 0
    for s in starts:
        net_seed, fit_seed = np.random.default_rng(s).integers(2**31, size=2)
        v = unclipped_first_steps(X, y, net_seed, fit_seed)
        blown += len(v) < 8 and v[-1] > 100 * v[0]
    assert blown >= len(starts) - 1
