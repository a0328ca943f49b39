"""Part II's explorables (nnbook.figures.explore_part2, reached as nb.explore.<name>): each
builds, moving a control redraws figure and caption, the repr is deterministic at the
defaults, and the static figures compute what the chapters say."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from nnbook.figures import explore_part2_figures as figs  # noqa: E402

CASES = [
    (nb.explore.optimizer_paths, "α", 0.12, "SGD diverges"),
    (nb.explore.l2_polynomial, "log₁₀ λ", -3.0, "λ = 1e-03, degree 9"),
]


def controls(box):
    return {c.description: c for c in box.children[0].children}


@pytest.mark.parametrize("factory, name, value, expected", CASES, ids=[c[0].__name__ for c in CASES])
def test_moving_a_control_redraws(factory, name, value, expected):
    pytest.importorskip("ipywidgets")
    box = factory()
    caption, image = box.children[1], box.children[2]
    before_png, before_text = bytes(image.value), caption.value
    assert before_png.startswith(b"\x89PNG") and box.redraws == 1
    controls(box)[name].value = value
    assert box.redraws == 2 and bytes(image.value) != before_png
    assert caption.value != before_text and expected in caption.value
    assert not plt.get_fignums()
    a, b = factory()._repr_mimebundle_(), factory()._repr_mimebundle_()
    assert a["text/plain"] == b["text/plain"]


def test_quadratic_paths_are_the_library_optimizers():
    A, paths = figs.quadratic_paths(0.02, 0.9, 10)
    w = np.array([-4.0, 3.0])
    opt = nb.SGD(lr=0.02, momentum=0.9, nesterov=True)
    for t in range(10):
        opt.step([(w, A @ w)])
        assert np.allclose(paths["Nesterov"][t + 1], w, rtol=1e-12)
    assert np.allclose(np.linalg.eigvalsh(A), [1.0, 20.0])
    # stability: plain SGD diverges above 2/λ_max = 0.1; the heavy ball up to 2(1 + β)/λ_max
    _, fast = figs.quadratic_paths(0.12, 0.5, 60)
    assert np.linalg.norm(fast["SGD"][-1]) > 1e3 and np.linalg.norm(fast["momentum"][-1]) < 1e-2
    fig = figs.optimizer_paths_figure(0.12, 0.5)
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()][0] == "SGD: diverges"
    plt.close(fig)


def test_ridge_fit_solves_the_penalised_normal_equations():
    x, y, x_val, y_val = figs.polynomial_data()
    assert (len(x), len(x_val)) == (12, 60)
    w = figs.ridge_fit(x, y, 9, 1e-3)
    Phi = np.vander(x, 10, increasing=True)
    assert np.allclose(Phi.T @ (Phi @ w - y) / len(x) + 1e-3 * w, 0, atol=1e-10)   # the gradient is 0
    norms = [np.linalg.norm(figs.ridge_fit(x, y, 9, lam)) for lam in (1e-8, 1e-4, 1e-1)]
    assert norms[0] > norms[1] > norms[2]                        # a larger λ, smaller weights
    # the U: the validation error is lowest at a middle λ, above it at both ends
    mse = [np.mean((np.vander(x_val, 10, increasing=True) @ figs.ridge_fit(x, y, 9, 10.0 ** g) - y_val) ** 2)
           for g in (-8, -3, 1)]
    assert mse[1] < 0.5 * min(mse[0], mse[2])
    fig = figs.l2_polynomial_figure(-3.0)
    assert fig.axes[0].get_title().startswith("degree 9, λ = 1e-03")
    plt.close(fig)
