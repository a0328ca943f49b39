"""The diagrams of chapter 25: the latent-variable model and log p(x) split into the ELBO
and its gap, drawn from their numbers, and their errors."""

import pytest
from figure_helpers import boxes, close_figures, texts  # noqa: F401

import nnbook as nb


def test_latent_model_names_decoder_and_encoder():
    ax = nb.diagrams.latent_model()
    joined = " ".join(texts(ax))
    assert "p(x | z)" in joined and "q(z | x) ≈ p(z | x)" in joined and "N(0, I)" in joined


@pytest.mark.parametrize("log_p, rec, kl", [(-2.0, -2.5, 0.8), (-110.0, -104.0, 9.5),
                                            (1.3, 1.5, 0.3)])
def test_elbo_gap_draws_the_gap_to_scale(log_p, rec, kl):
    ax = nb.diagrams.elbo_gap(log_p, rec, kl)
    (col,), (elbo,) = boxes(ax, "log_p"), boxes(ax, "elbo")
    gap = boxes(ax, "gap")
    top = elbo.get_y() + elbo.get_height() + sum(g.get_height() for g in gap)
    assert abs(top - (col.get_y() + col.get_height())) < 0.1          # they meet at log p(x)
    elbo_value, gap_value = rec - kl, log_p - (rec - kl)
    assert any(t.startswith(f"gap {gap_value:.3g}") for t in texts(ax))
    assert any(f"ELBO\n{elbo_value:.3g}" == t for t in texts(ax))
    assert len(gap) == 1                                            # each gap is visible


def test_a_zero_gap_draws_no_gap_box():
    ax = nb.diagrams.elbo_gap(1.3, 1.5, 0.2)
    assert boxes(ax, "gap") == [] and abs(boxes(ax, "log_p")[0].get_height() - 3.0) < 1e-9
    assert any(t.startswith("gap 0") for t in texts(ax))


def test_elbo_gap_refuses_a_bound_above_log_p():
    with pytest.raises(ValueError, match="elbo_gap: the ELBO .* is above log p"):
        nb.diagrams.elbo_gap(-3.0, -1.0, 0.5)
    with pytest.raises(ValueError, match="elbo_gap: expected kl_prior ≥ 0"):
        nb.diagrams.elbo_gap(-3.0, -4.0, -0.5)
    with pytest.raises(ValueError, match="elbo_gap: expected log_p to be a finite number"):
        nb.diagrams.elbo_gap(float("nan"), -4.0, 0.5)


# --- the gallery: each diagram of nnbook/diagrams/latent.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
GALLERY = {
    "latent_model": [lambda: nb.diagrams.latent_model()],
    "elbo_gap": [lambda: nb.diagrams.elbo_gap(-2.05, -2.3, 0.16),
                 lambda: nb.diagrams.elbo_gap(-110.0, -104.0, 9.5)],
}
