"""nnbook/diagrams/optimizers.py: momentum's and Nesterov's arrows end where ``nb.SGD``
steps from the same weights and velocity."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, min_fontsize, texts  # noqa: E402,F401  (the fixture applies here)


def quadratic(kappa=20.0, degrees=30):
    a = np.deg2rad(degrees)
    Q = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return Q @ np.diag([1.0, kappa]) @ Q.T


def test_momentum_vectors_end_where_the_library_steps():
    A, lr, mu = quadratic(), 0.02, 0.9
    w = np.array([-4.0, -3.0])
    opt = nb.SGD(lr=lr, momentum=mu)
    for _ in range(4):
        opt.step([(w, A @ w)])
    u = opt.get_state([w])["param0.v"]
    heavy, nesterov = nb.diagrams.momentum_vectors(A, w, u, lr, mu)
    stepped = w                                               # the array the optimizer knows
    w = w.copy()
    opt.step([(stepped, A @ stepped)])                        # the library's next step
    assert np.allclose(heavy.step_end, stepped, rtol=1e-12)
    u_n = mu * u - lr * A @ (w + mu * u)                      # Sutskever et al.'s Nesterov step
    assert np.allclose(nesterov.step_end, w + u_n, rtol=1e-12)
    for ax, name in ((heavy, "heavy ball"), (nesterov, "Nesterov")):
        assert ax.get_title() == f"{name}: lr = 0.02, μ = 0.9"
        arrows = [t for t in ax.texts if hasattr(t, "arrow_patch") and t.arrow_patch is not None]
        heads = [np.array(t.xy) for t in arrows]
        assert any(np.allclose(h, w + mu * u) for h in heads)  # the carried velocity ends at the look-ahead
        assert any(np.allclose(h, ax.step_end) for h in heads)
        assert {"w  ", "  w + μu", "  new w"} <= set(texts(ax))
        assert min_fontsize(ax) >= 9
    assert len(heavy.texts) == len(nesterov.texts) + 1        # the dashed gradient at w


def test_momentum_vectors_refuses_other_shapes():
    with pytest.raises(ValueError, match=r"momentum_vectors: expected A of shape \(2, 2\)"):
        nb.diagrams.momentum_vectors(np.eye(3), np.zeros(3), np.zeros(3), 0.1, 0.9)


# --- the gallery: each diagram of nnbook/diagrams/optimizers.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "momentum_vectors": [lambda: nb.diagrams.momentum_vectors(np.diag([1.0, 20.0]), np.array([-4.0, 3.0]),
                                                              np.array([1.0, -0.5]), 0.02, 0.9)[0]],
}
