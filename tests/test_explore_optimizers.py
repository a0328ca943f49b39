"""nnbook/explore/optimizers.py: the paths are the library's own optimizers, and
the figure says which one diverges."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures  # noqa: E402,F401  (the fixture applies here)


def test_quadratic_paths_are_the_library_optimizers():
    A, paths = nb.explore.quadratic_paths(0.02, 0.9, 10)
    w = np.array([-4.0, 3.0])
    opt = nb.SGD(lr=0.02, momentum=0.9, nesterov=True)
    for t in range(10):
        opt.step([(w, A @ w)])
        assert np.allclose(paths["Nesterov"][t + 1], w, rtol=1e-12)
    assert np.allclose(np.linalg.eigvalsh(A), [1.0, 20.0])
    # stability: plain SGD diverges above 2/λ_max = 0.1; the heavy ball up to 2(1 + β)/λ_max
    _, fast = nb.explore.quadratic_paths(0.12, 0.5, 60)
    assert np.linalg.norm(fast["SGD"][-1]) > 1e3 and np.linalg.norm(fast["momentum"][-1]) < 1e-2
    fig = nb.explore.optimizer_paths_figure(0.12, 0.5)
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()][0] == "SGD: diverges"
