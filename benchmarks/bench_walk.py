"""The training walk's overhead, measured as ratios that hold on a busy machine.

For every MLP row (64 → w → w → 10, and the two MLPs of issue 28):
  * nnbook's ``train_step`` against the fastest plain NumPy step we can write
    (``numpy_mlp_step``: preallocated buffers, in-place updates, integer labels);
    target ≤ 1.10×;
  * ``fit`` (one epoch) against a loop of ``train_step`` over the same shuffled
    batches (the loop a learner writes: one permutation per epoch, then slices);
    target ≤ 1.05×.
Both sides of a ratio run in one process and take turns (``timing.alternate``,
CPU time, best of each), so a busy moment falls on both alike.

And side by side with an older commit's nnbook (``--against 98b401b``, a commit or
a folder that holds ``nnbook/``): the same steps, fits and conv rows, each version in
its own fresh process, taking turns, best of each.

    python benchmarks/bench_walk.py [--against 98b401b] [--rounds 3]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if "--child" in sys.argv:                # import the nnbook under test before anything else
    sys.path.insert(0, sys.argv[sys.argv.index("--child") + 1])
    import nnbook  # noqa: F401,E402
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import timing  # noqa: E402

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
    place, the loss read at the labels. Returns ``step() -> loss``."""
    W = glorot(sizes, dtype, seed)
    b = [np.zeros(n, dtype) for n in sizes[1:]]
    x, labels, _ = data(sizes[0], sizes[-1], batch, dtype)
    rows = np.arange(batch)
    Z = [np.empty((batch, n), dtype) for n in sizes[1:]]           # outputs, then ∂E/∂z
    D = [np.empty((batch, n), dtype) for n in sizes[1:-1]]          # ∂E/∂a of hidden layers
    dW, db = [np.empty_like(w) for w in W], [np.empty_like(v) for v in b]
    L = len(W)

    def step():
        a = x
        for i in range(L):
            np.dot(a, W[i], out=Z[i])
            Z[i] += b[i]
            if i < L - 1:
                np.maximum(Z[i], 0, out=Z[i])                       # ReLU in place
            a = Z[i]
        p = a
        p -= p.max(axis=1, keepdims=True)
        np.exp(p, out=p)
        p /= p.sum(axis=1, keepdims=True)                           # softmax
        loss = -np.log(np.maximum(p[rows, labels], 1e-7)).sum() / batch
        p[rows, labels] -= 1.0
        p /= batch                                                  # ∂E/∂z = (p − y)/m
        d = p
        for i in range(L - 1, -1, -1):
            prev = x if i == 0 else Z[i - 1]
            np.dot(prev.T, d, out=dW[i])
            d.sum(axis=0, out=db[i])
            if i:
                np.dot(d, W[i].T, out=D[i - 1])
                D[i - 1] *= prev > 0                                # ReLU's gradient
            dW[i] *= LR
            W[i] -= dW[i]
            db[i] *= LR
            b[i] -= db[i]
            if i:
                d = D[i - 1]
        return loss
    return step


def nnbook_steps(nb, sizes, batch, dtype=np.float64):
    """``{"step", "fit", "loop"}``: one train_step on a fixed batch; one epoch of fit on
    integer labels; one epoch of train_step over the same shuffled batches."""
    m = samples(batch)
    x, labels, onehot = data(sizes[0], sizes[-1], m, dtype)
    one, fitted, looped = (nnbook_mlp(nb, sizes, dtype) for _ in range(3))
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


def ratios(rounds=5, rows=MLP_ROWS):
    """Rows of the two overhead ratios, measured in this process (nnbook imported here)."""
    import nnbook as nb
    out = []
    for name, sizes, batch in rows:
        steps = nnbook_steps(nb, sizes, batch)
        seconds = 0.05 if batch * sizes[1] < 5000 else 0.15
        t = timing.alternate({"nnbook": steps["step"], "numpy": numpy_mlp_step(sizes, batch)},
                             rounds=rounds, seconds=seconds, clock=CLOCK)
        f = timing.alternate({"fit": steps["fit"], "loop": steps["loop"]}, rounds=rounds,
                             seconds=seconds, clock=CLOCK)
        out.append({"name": name, "step_s": t["nnbook"], "numpy_s": t["numpy"],
                    "step_ratio": t["nnbook"] / t["numpy"], "fit_s": f["fit"],
                    "loop_s": f["loop"], "fit_ratio": f["fit"] / f["loop"]})
    return out


# side by side with an older nnbook ------------------------------------------------------
def child_times():
    """In a child: the step, fit and loop of every MLP row and bench_conv's rows, once."""
    import nnbook as nb
    import bench_conv
    times = {}
    for name, sizes, batch in MLP_ROWS:
        for key, step in nnbook_steps(nb, sizes, batch).items():
            times[f"{name} {key}"] = timing.best_time(step, 0.1, least=3, warmup=2, clock=CLOCK)
    for case in bench_conv.CONV_CASES:
        name, m, side, c_in, c_out, f, s, p, need_dx, _ = case
        step = bench_conv.nnbook_conv_step(m, side, c_in, c_out, f, s, p, need_dx, np.float64)
        times[name.strip() + " fwd+bwd"] = timing.best_time(step, 0.1, least=3, warmup=2,
                                                            clock=CLOCK)
    times["digits CNN, one epoch"] = bench_conv.digits_cnn_epoch(np.float64, epochs=3)
    return {"nnbook": os.path.dirname(os.path.dirname(nb.__file__)), "times": times}


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


def side_by_side(against="98b401b", rounds=3):
    """``{row: (time now, time at against)}``, each version in fresh processes, in turns."""
    trees, best = {"now": ROOT, "then": old_tree(against)}, {}
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    for _ in range(rounds):
        for side, tree in trees.items():
            res = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", tree],
                                 capture_output=True, text=True, check=True, env=env)
            got = json.loads(res.stdout.strip().splitlines()[-1])
            assert os.path.samefile(got["nnbook"], tree), got["nnbook"]   # the right nnbook
            for key, t in got["times"].items():
                best.setdefault(key, {})[side] = min(best.get(key, {}).get(side, 1e9), t)
    return {k: (v["now"], v["then"]) for k, v in best.items()}


def fmt(t):
    return f"{t * 1e3:.3f} ms" if t >= 1e-3 else f"{t * 1e6:.1f} µs"


def markdown(ratio_rows, versus=None, against="98b401b") -> str:
    """The two tables of results.md's "Training walk" section."""
    lines = ["## Training walk: overhead ratios (one process, CPU time, taking turns)", "",
             "| MLP | nnbook step | NumPy step | step ratio (≤ 1.10) | fit epoch | "
             "train_step loop | fit ratio (≤ 1.05) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in ratio_rows:
        mark = lambda ok: "✔" if ok else "✘"      # noqa: E731
        lines.append(f"| {r['name']} | {fmt(r['step_s'])} | {fmt(r['numpy_s'])} | "
                     f"{r['step_ratio']:.2f} {mark(r['step_ratio'] <= 1.10)} | {fmt(r['fit_s'])} | "
                     f"{fmt(r['loop_s'])} | {r['fit_ratio']:.3f} {mark(r['fit_ratio'] <= 1.05)} |")
    if versus:
        lines += ["", f"## Side by side with {against} (fresh processes in turns, CPU time)", "",
                  f"| row | now | {against} | now / {against} |", "|---|---:|---:|---:|"]
        for k, (now, then) in versus.items():
            lines.append(f"| {k} | {fmt(now)} | {fmt(then)} | {now / then:.3f} |")
    return "\n".join(lines) + "\n"


def main(against="98b401b", rounds=3):
    rows = ratios(rounds=max(rounds, 5))
    versus = side_by_side(against, rounds) if against else None
    return rows, versus


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(child_times()))
        sys.exit()
    args = sys.argv[1:]
    against = args[args.index("--against") + 1] if "--against" in args else None
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 3
    rows, versus = main(against, rounds)
    print(markdown(rows, versus, against or ""))
