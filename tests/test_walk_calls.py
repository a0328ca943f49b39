"""How many of nnbook's own functions a learner walks through (issue 51, "one walk"): from
entering `Sequential.fit` to the optimizer's first write into a weight, by default and on
the learner's path (`compile(..., run_eagerly=True)`: the layers' own forward and backward,
never entering the plan's module, nnbook/training/step_plan.py), a steady training step,
and one token through `generate` with the KV cache. A new layer of indirection on these
paths fails here, with the list of calls to read.

Counted with sys.setprofile: every "call" event whose code lives in the nnbook package
(a comprehension's frame counts on Python 3.10 and 3.11; 3.12 inlines it). On 2026-11-27
the counts were 90, 22 and 37 on Python 3.10, 3.11 and 3.13 alike; issue 68's one loop for
every model (nnbook/training/batches.py) added two calls to the first, 92. Issue 68's
taught path (the plan out of the lesson: Sequential's loops call the layers' own methods,
the built-in activations their function and derivative) made it 91, and the learner's
path 79, on Python 3.11. Issue 68's first part (the taught path is the lesson) took out
what existed only for itself (fit_arrays and check_outputs, two-line wrappers called
once; Layer.output_shape's call for a layer that keeps the shape; a second read of the
model's dtype in fit's checks; model_input's call for a batch already in that dtype): 85
and 73, with 22 for a steady step and 40 for a cached token, on Python 3.10, 3.11 and
3.13 alike. Then the helpers that only renamed their caller's line went (softmax's and
ReLU.derivative's _float, fused_gradient's counted where nothing is ignored, _sums_to_one,
the optimizer's _buffer_names() call and _new_states, model_input in prepare_x): 78 and
66, with 21 for a steady step, on Python 3.10, 3.11 and 3.13 alike. Dense's forward and
backward then became the products as the notes write them (x @ W, Xᵀ dY, dY Wᵀ), the
row-block kernels left to the fast pair and sequences' rows: 73 and 61. Softmax's function
then became chapter 09's softmax itself (its scalar check moved into softmax): 72 and 60,
the issue's budget for the learner's path; what stays, and why, is in the eager test's
docstring. The cached token's weights-times-values product then went through
kernels.online_softmax.masked_product (a masked key adds nothing, not even a NaN): 41."""

import sys
from pathlib import Path

import numpy as np

import nnbook as nb

ROOT = str(Path(nb.__file__).parent) + "/"
FIT_TO_FIRST_UPDATE = 72
EAGER_FIT_TO_FIRST_UPDATE = 60
STEADY_STEP = 26
CACHED_TOKEN = 41


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


def test_the_learners_path_reaches_the_first_update_within_the_budget_outside_the_plan():
    """With run_eagerly (Keras' switch) the walk is fit's preparation (its checks of the
    arguments and the data, the targets as one-hot rows, the loop's history, callbacks and
    batches: 33 calls), then the lesson: train_step → compute_gradients → forward
    (Dense.forward, the activations' forward → function) → the loss → backward
    (Dense.backward, the activations' backward → derivative) → the first step's check
    that the outputs are probabilities → the optimizer (its buffers made on its first
    step): 27 calls, 60 in all on Python 3.10, 3.11 and 3.13. None in
    nnbook/training/step_plan.py, and none in nnbook/kernels/products.py: Dense's own
    forward and backward are X W + b, Xᵀ dY and dY Wᵀ as written.

    Issue 68 asked for at most 60. What stays, each a step a reader would miss: fit's checks,
    behind every ValueError it raises for bad arguments and data (check_fit_arguments →
    make_rng, positive_int for epochs, batch_size and initial_epoch; recheck; prepare_xy →
    prepare_x → as_float_array; finite → all_finite, whose one sum settles the data
    without a boolean array of their size; as_array; output_shape_for → shapes_after →
    each Dense's output_shape, which refuse x of the wrong shape before any work and give
    the targets' k; check_head; CrossEntropy.targets → _label_targets → one_hot, the
    public nb.data.one_hot → _integer_labels, the label check the metrics share, and
    positive_int for k); the model's dtype, a property read live from the layers (a
    layer may make or replace its parameters after add: no one place sets it), read once
    by fit's checks and once by forward; the loop's History, CallbackList and its hooks
    (Keras' order), lend_rng, BatchMeans and the batches; what chapter 09 prints and
    asserts (compute_gradients' batch_targets and loss_value, Loss.fuses, which the
    loss declares and the step asks); the layers' own checks (Activation._check);
    check_predictions; gradient_pairs; and the optimizer's first step, which makes
    its buffers (_triples → aligned_zeros)."""
    model, x, y = mlp()
    model.compile(optimizer=nb.Adam(lr=0.01), loss="crossentropy", run_eagerly=True)
    params = [p for layer in model.layers for p in layer.params.values()]
    before = [p.copy() for p in params]
    calls = calls_while(
        lambda: model.fit(x, y, epochs=1, batch_size=64, verbose=0, rng=np.random.default_rng(1)),
        start=("training/model.py", "fit"),
        stop=lambda: any(not np.array_equal(p, b) for p, b in zip(params, before)))
    assert any(not np.array_equal(p, b) for p, b in zip(params, before)), "fit updated nothing"
    assert 20 < len(calls) <= EAGER_FIT_TO_FIRST_UPDATE, "\n".join(calls)
    assert not [c for c in calls if c.startswith("training/step_plan.py")], "\n".join(calls)
    assert not [c for c in calls if c.startswith("kernels/products.py")], "\n".join(calls)
    taught = ("layers/dense.py:Dense.forward", "layers/activations.py:ReLU.function",
              "layers/activations.py:ReLU.derivative", "layers/dense.py:Dense.backward")
    # Python 3.10 has no co_qualname: there a method is named without its class
    names = [{t, t.split(":")[0] + ":" + t.split(".")[-1]} for t in taught]
    assert all(n & set(calls) for n in names), "\n".join(calls)


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
