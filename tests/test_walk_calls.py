"""How many of nnbook's own functions a learner walks through (issue 51, "one walk"): from
entering `Sequential.fit` to the optimizer's first write into a weight, a steady training
step, and one token through `generate` with the KV cache. The budgets are the issue's (90
and 40; a steady step was 17 to 26 calls as the walk changed): a new layer of indirection
on these paths fails here, with the list of calls to read.

Counted with sys.setprofile: every "call" event whose code lives in the nnbook package
(a comprehension's frame counts on Python 3.10 and 3.11; 3.12 inlines it). On 2026-11-27
the three counts were 90, 22 and 37 on Python 3.10, 3.11 and 3.13 alike. Issue 68's one loop
for every model (nnbook/training/batches.py: fit walks a source of batches, as VAE.fit and the
denoisers' trainers do) added two calls to the first: the source's construction and its
epoch's batches, 92."""

import sys
from pathlib import Path

import numpy as np

import nnbook as nb

ROOT = str(Path(nb.__file__).parent) + "/"
FIT_TO_FIRST_UPDATE = 92
STEADY_STEP = 26
CACHED_TOKEN = 40


def calls_while(run, start=None, stop=None):
    """The nnbook functions called while `run()` runs, from the first call of `start`
    (file, function name; None: from the beginning) until `stop()` is true (None: to the
    end). Python 3.11 and later name methods with their class (co_qualname)."""
    calls, on = [], start is None

    def profile(frame, event, arg):
        nonlocal on
        if stop is not None and on and stop():
            sys.setprofile(None)
            return
        code = frame.f_code
        if event != "call" or not code.co_filename.startswith(ROOT):
            return
        name = code.co_filename[len(ROOT):] + ":" + getattr(code, "co_qualname", code.co_name)
        on = on or (code.co_filename[len(ROOT):], code.co_name) == start
        if on:
            calls.append(name)

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return calls


def mlp():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(256, 4)), rng.integers(0, 3, size=256)
    model = nb.Sequential([nb.Dense(4, 8, rng=rng), nb.ReLU(), nb.Dense(8, 3, rng=rng),
                           nb.Softmax()])
    model.compile(optimizer=nb.Adam(lr=0.01), loss="crossentropy")
    return model, x, y


def test_fit_reaches_the_first_update_within_the_budget():
    model, x, y = mlp()
    params = [p for layer in model.layers for p in layer.params.values()]
    before = [p.copy() for p in params]
    calls = calls_while(
        lambda: model.fit(x, y, epochs=1, batch_size=64, verbose=0, rng=np.random.default_rng(1)),
        start=("training/model.py", "fit"),
        stop=lambda: any(not np.array_equal(p, b) for p, b in zip(params, before)))
    assert any(not np.array_equal(p, b) for p, b in zip(params, before)), "fit updated nothing"
    assert 20 < len(calls) <= FIT_TO_FIRST_UPDATE, "\n".join(calls)


def test_a_steady_step_within_the_budget():
    """The fourth batch's train_step in a fit (the first steps check, then plan the walk)."""
    model, x, y = mlp()
    steps, step = [], None

    def profile(frame, event, arg):
        nonlocal step
        code = frame.f_code
        if not code.co_filename.startswith(ROOT):
            return
        if event == "call":
            if step is None and code.co_name == "train_step":
                step = (frame, [])
                steps.append(step[1])
            if step is not None:
                step[1].append(code.co_filename[len(ROOT):] + ":" + code.co_name)
        elif event == "return" and step is not None and frame is step[0]:
            step = None

    sys.setprofile(profile)
    try:
        model.fit(x, y, epochs=1, batch_size=64, verbose=0, rng=np.random.default_rng(1))
    finally:
        sys.setprofile(None)
    assert len(steps) == 4
    assert 5 < len(steps[-1]) <= STEADY_STEP, "\n".join(steps[-1])


def test_one_cached_token_within_the_budget():
    rng = np.random.default_rng(0)
    emb = nb.Embedding(12, 8, rng=rng)
    model = nb.Sequential([emb, nb.TransformerBlock(8, 2, 16, norm="rmsnorm", ffn="swiglu",
                                                    rope=True, n_kv_heads=1, bias=False,
                                                    rng=rng),
                           nb.RMSNorm(8), nb.Unembedding(emb)])
    calls = calls_while(lambda: nb.generate(model, np.array([[1, 2, 3, 4]]), 4, temperature=1.0,
                                            rng=np.random.default_rng(2), use_cache=True))
    starts = [i for i, name in enumerate(calls) if name.endswith(":sample_next")]
    assert len(starts) >= 3, "generate no longer samples through sample_next: update this test"
    token = calls[starts[1]:starts[2]]            # the second token: one cached step
    assert 5 < len(token) <= CACHED_TOKEN, "\n".join(token)
