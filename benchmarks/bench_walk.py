"""The training walk's overhead, measured as ratios that hold on a busy machine.

For every MLP row (64 → w → w → 10, and the two MLPs of issue 28):
  * nnbook's ``train_step`` against the fastest plain NumPy step we can write
    (``numpy_mlp_step``: preallocated buffers, in-place updates);
    target ≤ 1.10×; and between them the barest walk over layer objects that makes
    nnbook's NumPy calls (``bare_walk_step``), which splits that ratio into what a
    walk over layers costs at all (bare / NumPy) and what nnbook adds (nnbook / bare);
  * ``fit`` (one epoch) against a loop of ``train_step`` over the same shuffled
    batches (the loop a learner writes: one permutation per epoch, then slices);
    target ≤ 1.05×.
The bare walk keeps NumPy's own placement of its arrays (16 bytes past a 64-byte boundary
as often as not); nnbook puts Dense's weights and gradients and the optimizer's buffers on
64-byte boundaries (nnbook/kernels/aligned.py), which alone made its step 0.98-0.99 of its
time at 64-64-64-10 b32 and 0.99 at b4 on the 2-core Intel: part of nnbook / bare, as any
other choice nnbook makes about its own arrays.
Both sides of a ratio run in one process and take turns (``timing.alternate``,
CPU time, best of each), so a busy moment falls on both alike.

And side by side with an older commit's nnbook (``--against 98b401b``, a commit or
a folder that holds ``nnbook/``): that package is imported beside this one under
another name, and every MLP step, fit, loop and conv row of both takes turns in this
process (CPU time, best of each).

    python benchmarks/bench_walk.py [--against 98b401b] [--rounds 5]
    python benchmarks/bench_walk.py --paired [--seconds 2]

``--paired`` prints the two overhead ratios as paired medians instead (``paired_ratios``):
the two sides called in turn, call by call, and the median of the per-call time ratios,
so that a change of the clock's speed (another program, a turbo step) falls on both sides
of each pair. On the shared 2-core Intel machine a best-of reading of one row moved by up
to 0.4 between processes (a side that happens on one fast moment wins), the paired medians
by about 0.01 (three processes). They measure a median call, not the fastest, so they read
a few per cent apart from the best-of table (64-8-8-10 b4: 1.30 paired, 1.25 best of).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import timing  # noqa: E402

KEEP_FROM = 1 << 16   # bytes: as nnbook/layers/base.py's (a test keeps them equal)

LR = 0.01
# (name, layer sizes, batch size); the first seven are bench_mlp's CASES
MLP_ROWS = [(f"MLP 64-{w}-{w}-10 b{b}", (64, w, w, 10), b)
            for w, b in [(8, 4), (32, 16), (64, 32), (128, 16), (128, 64), (128, 256), (256, 256)]]
MLP_ROWS += [("MLP 64-128-64-10 b32 (issue 28)", (64, 128, 64, 10), 32),
             ("MLP 784-256-128-10 b64 (issue 28)", (784, 256, 128, 10), 64)]
CLOCK = time.process_time


def samples(batch) -> int:
    """Samples of one epoch: 1,440 (45 batches of 32, issue 28's epoch), at least 6 batches."""
    return batch * max(6, 1440 // batch)


def data(n_in, n_out, m, dtype, seed=0):
    """``x`` (m, n_in), integer labels (m,) and their one-hot rows (m, n_out) (drawn as
    bench_mlp.make_data draws them)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, n_in)).astype(dtype)
    labels = rng.integers(0, n_out, m)
    return x, labels, np.eye(n_out, dtype=dtype)[labels]


def glorot(sizes, dtype, seed=1):
    """The weights nnbook's Dense layers draw from ``default_rng(seed)`` (Glorot uniform)."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-np.sqrt(6 / (a + b)), np.sqrt(6 / (a + b)), (a, b)).astype(dtype)
            for a, b in zip(sizes, sizes[1:])]


def nnbook_mlp(nb, sizes, dtype=np.float64, seed=1):
    """Dense → ReLU → … → Dense → Softmax, cross-entropy, SGD, as nnbook writes it."""
    rng = np.random.default_rng(seed)
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nb.Dense(a, b, rng=rng, dtype=dtype), nb.ReLU()]
    model = nb.Sequential(layers[:-1] + [nb.Softmax()])
    model.compile(nb.SGD(lr=LR), "crossentropy")
    return model


def numpy_mlp_step(sizes, batch, dtype=np.float64, seed=1):
    """The same training step in plain NumPy, as fast as we can write it: every array
    made once, products into preallocated outputs, ReLU, softmax and the updates in
    place, reductions as ufunc calls (``np.add.reduce``, not the ``.sum()`` method's Python
    wrapper), float 0.0 in ReLU (no int-to-float resolution), and the loss and ∂E/∂z
    from one-hot rows (``np.vdot`` with log p, then p −= y): at these sizes that is a few
    µs faster than reading p at integer labels, whose fancy indexing costs more than the
    arithmetic it saves. Returns ``step() -> loss``."""
    W = glorot(sizes, dtype, seed)
    b = [np.zeros(n, dtype) for n in sizes[1:]]
    x, _, onehot = data(sizes[0], sizes[-1], batch, dtype)
    Z = [np.empty((batch, n), dtype) for n in sizes[1:]]           # outputs, then ∂E/∂z
    D = [np.empty((batch, n), dtype) for n in sizes[1:-1]]          # ∂E/∂a of hidden layers
    dW, db = [np.empty_like(w) for w in W], [np.empty_like(v) for v in b]
    logp = np.empty((batch, sizes[-1]), dtype)
    L = len(W)

    def step():
        a = x
        for i in range(L):
            np.dot(a, W[i], out=Z[i])
            Z[i] += b[i]
            if i < L - 1:
                np.maximum(Z[i], 0.0, out=Z[i])                     # ReLU in place
            a = Z[i]
        p = a
        p -= np.maximum.reduce(p, axis=1, keepdims=True)            # ufunc reduce: no
        np.exp(p, out=p)                                            # ndarray-method wrapper
        p /= np.add.reduce(p, axis=1, keepdims=True)                # softmax
        np.maximum(p, 1e-7, out=logp)
        np.log(logp, out=logp)
        loss = -np.vdot(onehot, logp) / batch                       # −Σ y log p / m
        p -= onehot
        p /= batch                                                  # ∂E/∂z = (p − y)/m
        d = p
        for i in range(L - 1, -1, -1):
            prev = x if i == 0 else Z[i - 1]
            np.dot(prev.T, d, out=dW[i])
            np.add.reduce(d, axis=0, out=db[i])
            if i:
                np.dot(d, W[i].T, out=D[i - 1])
                D[i - 1] *= prev > 0.0                              # ReLU's gradient
            dW[i] *= LR
            W[i] -= dW[i]
            db[i] *= LR
            b[i] -= db[i]
            if i:
                d = D[i - 1]
        return loss
    return step


def _kept(array, held):
    """The array a bare layer writes into next step: its first result, where nnbook's
    planned step keeps one (layers/base.py's KEEP_FROM bytes up), else None (a fresh one)."""
    return array if held is None and array is not None and array.nbytes >= KEEP_FROM else held


class _BareDense:
    """Dense with nnbook's NumPy calls (np.dot into its own array from 64 kB up, as the
    planned step keeps it, else a fresh one; np.add.reduce) and nothing else: no check, no
    dict, no dtype cast."""

    def __init__(self, W, dtype):
        self.W, self.b = W, np.zeros(W.shape[1], dtype)
        self.gW, self.gb = np.empty_like(self.W), np.empty_like(self.b)
        self.out = self.dx = None

    def forward(self, x):
        self.x = x
        z = np.dot(x, self.W, out=self.out)
        z += self.b
        self.out = _kept(z, self.out)
        return z

    def backward(self, dy, need_dx):
        np.dot(self.x.T, dy, out=self.gW)
        np.add.reduce(dy, axis=0, out=self.gb)
        if not need_dx:
            return None
        dx = np.dot(dy, self.W.T, out=self.dx)
        self.dx = _kept(dx, self.dx)
        return dx


class _BareReLU:
    """ReLU with nnbook's NumPy calls: max(x, 0) forward, ``dy ⊙ (y > 0)`` backward, each
    into its own array as the planned step keeps them (else a fresh one)."""

    def __init__(self):
        self.out = self.dx = None

    def forward(self, x):
        self.y = y = np.maximum(x, 0.0, out=self.out)
        self.out = _kept(y, self.out)
        return y

    def backward(self, dy, need_dx):
        dx = np.multiply(dy, self.y > 0.0, out=self.dx)
        self.dx = _kept(dx, self.dx)
        return dx


def bare_walk_step(sizes, batch, dtype=np.float64, seed=1):
    """nnbook's training step, NumPy call for NumPy call, as the barest layer walk: one
    object per layer with ``forward`` and ``backward`` (each result in an array of its own
    from 64 kB up, kept from step to step, else a fresh one, as nnbook's planned step
    makes them: layers/base.py's with_work_arrays), softmax, cross-entropy on one-hot rows and ``ŷ − y`` as nnbook computes them,
    and SGD's ``lr·g`` into a scratch array then ``p −= …``, over (parameter, gradient)
    pairs. No check, no dispatch, no dict: what any walk over layer objects costs.
    Measured beside nnbook and ``numpy_mlp_step``, it splits nnbook's overhead in two:
    the per-layer structure (bare / NumPy) and what nnbook adds to it (nnbook / bare:
    its checks and the layer contract). Returns ``step() -> loss``."""
    layers = []
    for W in glorot(sizes, dtype, seed):
        layers += [_BareDense(W, dtype), _BareReLU()]
    layers.pop()                                                    # no ReLU after the last
    dense = layers[::2]
    scratch = [(p, g, np.empty_like(p)) for d in dense for p, g in ((d.W, d.gW), (d.b, d.gb))]
    x, _, onehot = data(sizes[0], sizes[-1], batch, dtype)
    last = len(layers) - 1

    def step():
        a = x
        for layer in layers:
            a = layer.forward(a)
        p = np.subtract(a, np.maximum.reduce(a, axis=-1, keepdims=True))   # nnbook's
        np.exp(p, out=p)                                                   # softmax
        p /= np.add.reduce(p, axis=-1, keepdims=True)
        loss = -np.vdot(onehot, np.log(np.minimum(np.maximum(p, 1e-7), 1.0))) / batch
        d = (p - onehot) / batch                                    # ∂E/∂z = (ŷ − y)/m
        for i in range(last, -1, -1):
            d = layers[i].backward(d, i > 0)
        for param, grad, tmp in scratch:
            np.multiply(grad, LR, out=tmp)
            param -= tmp
        return loss
    return step


def nnbook_steps(nb, sizes, batch, dtype=np.float64):
    """``{"step", "fit", "loop"}``: one train_step on a fixed batch; one epoch of fit on
    integer labels; one epoch of train_step over the same shuffled batches. fit and the
    loop train one model, taking turns, so that both walk the same arrays: with a model
    each, the ratio at 64-128-128-10 b256 came out 0.86 in one run and 1.19 in another,
    with one model 1.03 in both."""
    m = samples(batch)
    x, labels, onehot = data(sizes[0], sizes[-1], m, dtype)
    one, fitted = nnbook_mlp(nb, sizes, dtype), nnbook_mlp(nb, sizes, dtype)
    looped = fitted
    xb, yb = x[:batch], onehot[:batch]
    r_fit, r_loop = np.random.default_rng(2), np.random.default_rng(2)

    def loop():
        perm = r_loop.permutation(m)
        xs, ys = x[perm], onehot[perm]
        for s in range(0, m, batch):
            looped.train_step(xs[s:s + batch], ys[s:s + batch])

    return {"step": lambda: one.train_step(xb, yb),
            "fit": lambda: fitted.fit(x, labels, epochs=1, batch_size=batch, verbose=0,
                                      rng=r_fit),
            "loop": loop}


def ratios(rounds=5, rows=MLP_ROWS, paired_seconds=1.5, quick=False):
    """Rows of the two overhead ratios, measured in this process (nnbook imported here):
    each side's best turn (``timing.alternate``), and the median over pairs of calls
    (``paired_median``, about ``paired_seconds`` of both; 0 leaves it out), which a lucky
    single call cannot move. ``quick``: each turn times 3 calls and each median 5 pairs, not
    0.05 to 0.4 s of calls and 30 pairs or more (for a test of the table's form only)."""
    import nnbook as nb
    out = []
    for name, sizes, batch in rows:
        steps = nnbook_steps(nb, sizes, batch)
        bare = bare_walk_step(sizes, batch)
        turn = 0.0 if quick else 1.0
        seconds = (0.05 if batch * sizes[1] < 5000 else 0.15) * turn
        t = timing.alternate({"nnbook": steps["step"], "bare": bare,
                              "numpy": numpy_mlp_step(sizes, batch)},
                             rounds=rounds, seconds=seconds, clock=CLOCK)
        f = timing.alternate({"fit": steps["fit"], "loop": steps["loop"]}, rounds=rounds,
                             seconds=0.4 * turn, clock=CLOCK)   # an epoch is 5–60 ms
        row = {"name": name, "batch": batch, "step_s": t["nnbook"], "numpy_s": t["numpy"],
               "step_ratio": t["nnbook"] / t["numpy"], "bare_s": t["bare"],
               "bare_ratio": t["bare"] / t["numpy"], "fit_s": f["fit"],
               "loop_s": f["loop"], "fit_ratio": f["fit"] / f["loop"]}
        if paired_seconds:
            least = 5 if quick else 30
            row["step_median"] = paired_median(steps["step"], bare, paired_seconds, least=least)
            row["fit_median"] = paired_median(steps["fit"], steps["loop"], paired_seconds,
                                              least=least)
        out.append(row)
    return out


def step_target(batch) -> float:
    """issue 37's bound on nnbook's step / the bare walk: 1.10 at batch ≥ 32, 1.25 below."""
    return 1.10 if batch >= 32 else 1.25


def paired_median(a, b, seconds=2.0, clock=CLOCK, least=30) -> float:
    """The median over pairs of calls of ``time(a) / time(b)``: ``a`` and ``b`` called in
    turn, each first in every other pair, for about ``seconds`` of both (at least ``least``
    pairs)."""
    for _ in range(3):
        a(), b()
    t0 = clock()
    a(), b()
    pairs = max(least, int(seconds / max(clock() - t0, 1e-9)))
    ratios = []
    for i in range(pairs):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        t0 = clock()
        first()
        t1 = clock()
        second()
        t2 = clock()
        ta, tb = (t1 - t0, t2 - t1) if i % 2 == 0 else (t2 - t1, t1 - t0)
        ratios.append(ta / tb)
    return statistics.median(ratios)


def paired_ratios(rows=MLP_ROWS, seconds=2.0):
    """``[(name, nnbook step / bare walk, fit / loop)]``, each a ``paired_median`` in this
    process (nnbook imported here): the same two ratios as ``ratios``, read call by call."""
    import nnbook as nb
    out = []
    for name, sizes, batch in rows:
        steps = nnbook_steps(nb, sizes, batch)
        out.append((name, paired_median(steps["step"], bare_walk_step(sizes, batch), seconds),
                    paired_median(steps["fit"], steps["loop"], seconds)))
    return out


# side by side with an older nnbook ------------------------------------------------------
def old_tree(ref) -> str:
    """A folder holding ``nnbook/`` of ``ref``: ``ref`` itself if it is a folder, else that
    commit's files, unpacked with ``git archive`` into a temporary folder."""
    if os.path.isdir(os.path.join(ref, "nnbook")):
        return ref
    folder = os.path.join(tempfile.gettempdir(), f"nnbook-{ref}")
    if not os.path.isdir(os.path.join(folder, "nnbook")):
        os.makedirs(folder, exist_ok=True)
        archive = subprocess.run(["git", "-C", ROOT, "archive", ref, "nnbook"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    return folder


def load_as(tree, name="nnbook_then"):
    """The ``nnbook`` package in ``tree`` imported under another name, beside this one
    (its imports are relative, so it loads its own modules)."""
    import importlib.util
    if name in sys.modules:
        return sys.modules[name]
    folder = os.path.join(tree, "nnbook")
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(folder, "__init__.py"), submodule_search_locations=[folder])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def conv_step(nb, m, side, c_in, c_out, f, s, p, need_dx):
    """bench_conv's Conv2D forward + backward, with the given nnbook."""
    layer = nb.Conv2D(c_in, c_out, f, stride=s, padding=p, rng=np.random.default_rng(1))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((m, side, side, c_in))
    o = (side + 2 * p - f) // s + 1
    dy = rng.standard_normal((m, o, o, c_out))
    return lambda: (layer.forward(x), layer.backward(dy, need_dx=need_dx))


def cnn_epoch(nb, images, labels):
    """One epoch of bench_conv's digits CNN (batch 32), with the given nnbook."""
    rng = np.random.default_rng(0)
    model = nb.Sequential([nb.Conv2D(1, 8, 3, padding=1, rng=rng), nb.ReLU(), nb.MaxPool2D(2),
                           nb.Flatten(), nb.Dense(128, 10, rng=rng), nb.Softmax()])
    model.compile(nb.SGD(lr=0.1), "crossentropy")
    return lambda: model.fit(images, labels, epochs=1, batch_size=32, verbose=0, rng=rng)


def side_by_side(against="98b401b", rounds=5):
    """``{row: (time now, time at against)}``: both versions imported in this process,
    every row's two steps taking turns ``rounds`` times (CPU time, best of each)."""
    import bench_conv
    import nnbook as now
    then = load_as(old_tree(against))
    out = {}

    def pair(name, make, seconds=0.1):
        t = timing.alternate({"now": make(now), "then": make(then)}, rounds=rounds,
                             seconds=seconds, clock=CLOCK)
        out[name] = (t["now"], t["then"])

    for name, sizes, batch in MLP_ROWS:
        for key in ("step", "fit", "loop"):
            pair(f"{name} {key}", lambda nb: nnbook_steps(nb, sizes, batch)[key],
                 0.1 if key == "step" else 0.4)                    # an epoch is 5–60 ms
    for name, m, side, c_in, c_out, f, s, p, need_dx, _ in bench_conv.CONV_CASES:
        pair(f"{name.strip()} fwd+bwd",
             lambda nb: conv_step(nb, m, side, c_in, c_out, f, s, p, need_dx), 0.2)
    try:
        images, labels = now.data.load_digits()
    except Exception:                      # scikit-learn missing: same-sized synthetic data
        rng = np.random.default_rng(0)
        images, labels = rng.random((1797, 8, 8, 1)), rng.integers(0, 10, 1797)
    pair("digits CNN, one epoch", lambda nb: cnn_epoch(nb, images[:1347], labels[:1347]), 0.6)
    return out


def fmt(t):
    return f"{t * 1e3:.3f} ms" if t >= 1e-3 else f"{t * 1e6:.1f} µs"


def markdown(ratio_rows, versus=None, against="98b401b") -> str:
    """The two tables of results.md's "Training walk" section."""
    lines = ["## Training walk: overhead ratios (one process, CPU time, taking turns)", "",
             "The NumPy step is the fastest plain step we could write (`numpy_mlp_step`); the "
             "bare walk makes nnbook's NumPy calls, call for call, through one object per "
             "layer with no check at all (`bare_walk_step`). So bare / NumPy is what walking "
             "over layer objects costs by itself, and nnbook / bare what nnbook adds to that "
             "walk: its checks, the layer contract's calls and the optimizer's bookkeeping.", "",
             "The times and the first ratios are each side's best turn; the two medians are "
             "over pairs of calls, each side first in every other pair (`paired_median`), "
             "which one lucky call cannot move. Targets (issue 37), marked on the medians: "
             "nnbook / bare ≤ 1.10 at batch ≥ 32 and ≤ 1.25 below; fit / loop ≤ 1.05 "
             "(marked on the best turns too).", "",
             "| MLP | nnbook step | bare walk | NumPy step | step ratio (≤ 1.10) | bare / NumPy | "
             "nnbook / bare | nnbook / bare, median | fit epoch | train_step loop | "
             "fit ratio (≤ 1.05) | fit / loop, median |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in ratio_rows:
        mark = lambda ok: "✔" if ok else "✘"      # noqa: E731
        bare = r.get("bare_s")                    # rows measured before the bare walk: —
        parts = ((fmt(bare), f"{bare / r['numpy_s']:.2f}", f"{r['step_s'] / bare:.2f}")
                 if bare else ("—", "—", "—"))
        medians = [("—" if r.get(key) is None else f"{r[key]:.3f} {mark(r[key] <= bound)}")
                   for key, bound in (("step_median", step_target(r.get("batch", 32))),
                                      ("fit_median", 1.05))]
        lines.append(f"| {r['name']} | {fmt(r['step_s'])} | {parts[0]} | {fmt(r['numpy_s'])} | "
                     f"{r['step_ratio']:.2f} {mark(r['step_ratio'] <= 1.10)} | {parts[1]} | "
                     f"{parts[2]} | {medians[0]} | {fmt(r['fit_s'])} | {fmt(r['loop_s'])} | "
                     f"{r['fit_ratio']:.3f} {mark(r['fit_ratio'] <= 1.05)} | {medians[1]} |")
    if versus:
        lines += ["", f"## Side by side with {against} (one process, in turns, CPU time)", "",
                  f"| row | now | {against} | now / {against} |", "|---|---:|---:|---:|"]
        for k, (now, then) in versus.items():
            lines.append(f"| {k} | {fmt(now)} | {fmt(then)} | {now / then:.3f} |")
    return "\n".join(lines) + "\n"


def main(against="98b401b", rounds=5):
    rows = ratios(rounds=rounds)
    versus = side_by_side(against, rounds) if against else None
    return rows, versus


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--steady-malloc" in args:
        timing.steady_malloc()
    against = args[args.index("--against") + 1] if "--against" in args else None
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 5
    if "--paired" in args:
        seconds = float(args[args.index("--seconds") + 1]) if "--seconds" in args else 2.0
        for name, step, fit in paired_ratios(seconds=seconds):
            print(f"{name:36s} nnbook / bare {step:.3f}   fit / loop {fit:.3f}")
        sys.exit()
    rows, versus = main(against, rounds)
    print(markdown(rows, versus, against or ""))
