"""Chapter 27's experiments over seeds: the tilted density p(x | c)^w·p(x)^(1−w) of chapter
26's mixture on a grid, a two-sample kernel distance to it with its spread for true tilted
samples, guided DDIM samples and Langevin steps at noise level 0; and the 8×8 digits, a
class-conditional denoiser guided at several weights and judged by chapter 10's classifier.
"""

from __future__ import annotations

import numpy as np

from ..data import GaussianMixture, digits_split
from ..generative import (LinearSchedule, class_function, class_mixture, ddim_sample, denoiser,
                          exact_class_noise, exact_class_score, guided, train_denoiser)
from ..layers import Dense, Flatten, ReLU, Softmax
from ..training import Adam, Sequential
from .diffusion_samplers import mixture

__all__ = ["CLASS", "overlapping_pair", "GRID", "tilted_grid", "grid_sample", "mmd2",
           "BANDWIDTH", "langevin", "guided_then_langevin", "WEIGHTS", "digits_classifier",
           "digits_denoiser", "digits_samples", "accuracy_and_spread", "principal_spread",
           "digits_run", "digits_guidance", "SEEDS", "TABLES"]

CLASS = 1                                  # the mixture's top component, at (0, 1.8)
GRID = np.linspace(-4.0, 4.0, 201)         # each axis of the grid the tilted density lives on
BANDWIDTH = 0.2                            # the kernel's h: about the class's narrow width
WEIGHTS = (0.0, 1.0, 2.0, 4.0)             # the digits' guidance weights


def overlapping_pair():
    """Two round components, N((∓0.3, 0), 0.4²·I) with weights ½ and ½, that overlap: the
    tilted density of component 0 differs from p(x | 0) (total variation 0.24 at w = 3),
    unlike that of chapter 26's isolated top component."""
    return GaussianMixture([[-0.3, 0.0], [0.3, 0.0]], [0.16 * np.eye(2)] * 2, [0.5, 0.5])


def tilted_grid(w, component=CLASS, mix=None):
    """The tilted density p(x | c)^w·p(x)^(1−w) of ``mix`` (default chapter 26's mixture)
    at noise level 0, on the grid ``GRID`` × ``GRID``, as cell probabilities summing to 1.
    Returns (points (201², 2), probabilities (201²,))."""
    x1, x2 = np.meshgrid(GRID, GRID)
    points = np.column_stack([x1.ravel(), x2.ravel()])
    mix = mixture() if mix is None else mix
    log = (w * class_mixture(mix, component).log_prob(points)
           + (1.0 - w) * mix.log_prob(points))
    p = np.exp(log - log.max())
    return points, p / p.sum()


def grid_sample(points, probs, n, rng):
    """n samples of the grid density: a cell drawn by its probability, then a uniform point
    inside it."""
    h = GRID[1] - GRID[0]
    return points[rng.choice(len(probs), n, p=probs)] + rng.uniform(-h / 2, h / 2, (n, 2))


def _kernel(a, b):
    """exp(−|a_i − b_j|² / 2h²) for every pair: (n, m). a (n, 2), b (m, 2)."""
    # |a_i − b_j|² column by column, not as ((a[:, None] − b[None]) ** 2).sum(-1): the same
    # sums in the same order (NumPy adds fewer than 8 numbers left to right), 10× faster
    # than reducing an (n, m, 2) array over its short last axis
    d2 = (a[:, None, 0] - b[None, :, 0]) ** 2
    for j in range(1, a.shape[1]):
        d2 += (a[:, None, j] - b[None, :, j]) ** 2
    return np.exp(-d2 / (2.0 * BANDWIDTH ** 2))


def mmd2(x, y, kyy=None):
    """The unbiased two-sample kernel MMD² of samples x (n, 2) and y (m, 2) with the Gaussian
    kernel of bandwidth ``BANDWIDTH``: 0 on average when both come from one density.
    ``kyy``: y's kernel matrix, when it is reused."""
    n, m = len(x), len(y)
    kxx = _kernel(x, x)
    kyy = _kernel(y, y) if kyy is None else kyy
    return ((kxx.sum() - np.trace(kxx)) / (n * (n - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2.0 * _kernel(x, y).mean())


def langevin(score, x, *, eta, steps, rng):
    """Unadjusted Langevin steps at noise level 0: x ← x + η·score(x) + √(2η)·z, which leave
    the density whose score it is (nearly, up to a bias of order η) unchanged."""
    for _ in range(steps):
        x = x + eta * score(x, 0.0) + np.sqrt(2.0 * eta) * rng.standard_normal(x.shape)
    return x


def guided_then_langevin(rng, w=3.0, *, mix=None, component=CLASS, wrong_w=None, n=500,
                         n_ref=1500, draws=30, eta=1e-3, steps=600):
    """With the Generator ``rng``: n guided DDIM samples (100 steps, exact class noise) of
    class ``component`` of ``mix`` (default chapter 26's mixture and ``CLASS``) at weight w,
    then ``steps`` Langevin steps with the guided score at noise level 0; the MMD² of each
    to n_ref samples of the tilted grid density, beside the MMD² of ``draws`` sets of n true
    tilted samples to the same reference (their mean and standard deviation). With
    ``wrong_w``, also the same Langevin steps from the same DDIM samples with the score of
    weight ``wrong_w`` ("MMD² Langevin, wrong w"). Returns the samples, the reference
    ``ref`` and the numbers."""
    mix, schedule = (mixture() if mix is None else mix), LinearSchedule()
    points, probs = tilted_grid(w, component, mix)
    ref = grid_sample(points, probs, n_ref, rng)
    kyy = _kernel(ref, ref)
    null = np.array([mmd2(grid_sample(points, probs, n, rng), ref, kyy) for _ in range(draws)])
    noise = guided(exact_class_noise(mix, schedule, None),
                   exact_class_noise(mix, schedule, component), w)
    x = ddim_sample(noise, rng.standard_normal((n, 2)), schedule, steps=100)

    def score(v):
        return guided(exact_class_score(mix, schedule, None),
                      exact_class_score(mix, schedule, component), v)

    y = langevin(score(w), x, eta=eta, steps=steps, rng=rng)
    out = {"ddim": x, "langevin": y, "ref": ref, "null mean": float(null.mean()),
           "null sd": float(null.std(ddof=1)), "null max": float(null.max()),
           "MMD² DDIM": float(mmd2(x, ref, kyy)), "MMD² Langevin": float(mmd2(y, ref, kyy))}
    if wrong_w is not None:
        z = langevin(score(wrong_w), x, eta=eta, steps=steps, rng=rng)
        out["MMD² Langevin, wrong w"] = float(mmd2(z, ref, kyy))
    return out


def digits_classifier(rng):
    """Chapter 10's dense network (``digits_baselines``: Adam(0.002), 30 epochs, batches of 16)
    trained on chapter 10's fixed split; returns it and its test accuracy."""
    X_train, y_train, X_val, y_val, X_test, y_test = digits_split()
    net = Sequential([Flatten(), Dense(64, 128, init="he_normal", rng=rng), ReLU(),
                      Dense(128, 10, rng=rng), Softmax()], input_shape=(8, 8, 1))
    net.compile(optimizer=Adam(lr=0.002), loss="crossentropy")
    net.fit(X_train, y_train, epochs=30, batch_size=16, verbose=0, rng=rng,
            validation_data=(X_val, y_val))
    return net, float(np.mean(net.predict(X_test).argmax(axis=1) == y_test))


def digits_denoiser(rng, *, steps=3000, hidden=192, p_uncond=0.2):
    """A class-conditional ``denoiser(64, n_classes=10)`` of the 1077 training digits (pixels
    mapped to [−1, 1]): width ``hidden``, two hidden layers, Adam(0.002), batches of 128, the
    class dropped at the rate ``p_uncond``. Returns the model and its losses."""
    X_train, y_train = digits_split(flat=True)[:2]
    model = denoiser(64, n_classes=10, hidden=hidden, depth=2, rng=rng)
    model.compile(Adam(lr=2e-3), "mse")
    losses = train_denoiser(model, 2.0 * X_train - 1.0, labels=y_train,
                            schedule=LinearSchedule(), steps=steps, batch_size=128,
                            p_uncond=p_uncond, rng=rng)
    return model, losses


def digits_samples(model, w, start, *, steps=40):
    """Guided DDIM samples (``steps`` steps) of each class from ``start`` (10, k, 64), as
    images in [0, 1] (clipped), (10, k, 64): row c is class c's."""
    null, schedule = class_function(model, None), LinearSchedule()
    out = np.empty_like(start)
    for c in range(10):
        f = guided(null, class_function(model, c), w)
        out[c] = ddim_sample(f, start[c], schedule, steps=steps)
    return np.clip((out + 1.0) / 2.0, 0.0, 1.0)


def accuracy_and_spread(classifier, images):
    """The share of the samples (10, k, 64) that the classifier reads as the class they
    were drawn for, and the mean over classes of the mean (Euclidean, over the 64 pixels)
    distance of a class's samples to their mean (the spread: 0 when a class's samples are
    all one image)."""
    k = images.shape[1]
    predicted = classifier.predict(images.reshape(-1, 8, 8, 1)).argmax(axis=1)
    accuracy = float(np.mean(predicted == np.repeat(np.arange(10), k)))
    centred = images - images.mean(axis=1, keepdims=True)
    spread = float(np.sqrt((centred ** 2).sum(axis=-1)).mean())
    return accuracy, spread


def principal_spread(images, k=10):
    """The spread of ``accuracy_and_spread`` without the speckle: each class's samples
    (10, m, 64), centred on their mean, projected onto the top ``k`` principal directions
    of chapter 10's training digits (pixels in [0, 1]) before the mean distance is taken.
    Speckle spreads over all 64 directions, the digits' own variety mostly over the top few.
    """
    X_train = digits_split(flat=True)[0]
    _, _, vt = np.linalg.svd(X_train - X_train.mean(axis=0), full_matrices=False)
    centred = images - images.mean(axis=1, keepdims=True)
    return float(np.sqrt(((centred @ vt[:k].T) ** 2).sum(axis=-1)).mean())


def digits_run(seed, weights=WEIGHTS, per_class=30, *, p_uncond=0.2):
    """From ``seed``: chapter 10's classifier, the digits' conditional denoiser (the class
    dropped at the rate ``p_uncond``; 0 leaves the null class untrained), then
    ``per_class`` samples of each class at each weight, all from the same starting noise.
    Returns the row of ``digits_guidance`` and the parts: {"classifier", "test accuracy",
    "model", "losses", "start", "samples": {w: images (10, per_class, 64)}}."""
    rng = np.random.default_rng(seed)
    classifier, test_accuracy = digits_classifier(rng)
    model, losses = digits_denoiser(rng, p_uncond=p_uncond)
    start = rng.standard_normal((10, per_class, 64))
    row, samples = {}, {}
    for w in weights:
        samples[w] = digits_samples(model, w, start)
        row[f"accuracy w={w:g}"], row[f"spread w={w:g}"] = accuracy_and_spread(
            classifier, samples[w])
    parts = {"classifier": classifier, "test accuracy": test_accuracy, "model": model,
             "losses": losses, "start": start, "samples": samples}
    return row, parts


def digits_guidance(seed):
    """Each weight's accuracy (the share of samples chapter 10's classifier reads as the
    class they were drawn for) and spread, from ``seed`` (``digits_run``)."""
    return digits_run(seed)[0]


SEEDS = (27, 1, 2, 3, 4)                   # the notebook runs the first
TABLES = {"27_digits_guidance": (digits_guidance, SEEDS)}
