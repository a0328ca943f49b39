"""Chapter 25's experiments over seeds: a VAE trained on chapter 26's 2-D mixture, its bounds
on held-out data beside the true density's negative log-likelihood (the floor), and its
samples scored against the true density by ``nb.data.mixture_mmd``; and a VAE on the 8×8
digits with the KL weight β varied.
"""

from __future__ import annotations

import numpy as np

from ..data.digits import load_digits
from ..data.mixture import mixture_mmd
from ..generative.gaussian import gaussian_kl, gaussian_log_likelihood, reparameterize
from ..generative import VAE, quadrature_log_prob
from ..optimizers import Adam
from .diffusion_samplers import mixture

__all__ = ["train_mixture_vae", "mixture_vae", "BETAS", "train_digits_vae", "digits_beta",
           "TABLES"]

BETAS = (0.25, 1.0, 4.0)


def train_mixture_vae(seed, *, epochs=80):
    """A VAE(2, 2, hidden=(64, 64)) with a learned σ_x (starting at √0.1), trained from
    ``seed`` on 3000 samples of the mixture: Adam at 3·10⁻³, batches of 100.
    Returns (vae, the mixture, rng after training)."""
    rng = np.random.default_rng(seed)
    mix = mixture()
    x = mix.sample(3000, rng=rng)
    vae = VAE(2, 2, hidden=(64, 64), obs_logvar=np.log(0.1), learn_obs_var=True, rng=rng)
    vae.fit(x, epochs=epochs, batch_size=100, optimizer=Adam(lr=3e-3), rng=rng)
    return vae, mix, rng


def _prior_nll(vae, held, z):
    """The naive estimate of −log p(x) per sample: the average of p(x | z) over the prior
    draws ``z`` (m, k), shared by every row of ``held`` (n, d), in log space."""
    ll = np.stack([gaussian_log_likelihood(held, np.broadcast_to(m, held.shape),
                                           vae.obs_logvar[0]) for m in vae.decode(z)])
    top = ll.max(0)
    return float(-(top + np.log(np.exp(ll - top).mean(0))).mean())


def mixture_vae(seed):
    """Per-sample negative log-likelihoods (nats) on 500 held-out samples: the true density's
    (the floor), the negative ELBO, the negative IWAE bounds at K = 10 and 100, the model's
    own by quadrature on a 101 × 101 latent grid; the MMD z of 1000 samples and of 1000
    decoder means (about N(0, 1) for true samples); and the lowest of 20 naive estimates
    (100 z's from the prior, shared by the 500 samples) minus the model's −log p(x): below 0
    when one set of prior draws looks better than the value it bounds in expectation."""
    vae, mix, rng = train_mixture_vae(seed)
    held = mix.sample(500, rng=rng)
    row = {"true NLL": float(-mix.log_prob(held).mean()),
           "neg ELBO": float(-vae.elbo(held, rng=rng).mean()),
           "neg IWAE 10": float(-vae.iwae_bound(held, 10, rng=rng).mean()),
           "neg IWAE 100": float(-vae.iwae_bound(held, 100, rng=rng).mean()),
           "model NLL": float(-quadrature_log_prob(vae, held, points=101).mean()),
           "MMD z": float(mixture_mmd(vae.sample(1000, rng=rng), mix).z)}
    row["means z"] = float(mixture_mmd(vae.sample(1000, rng=rng, mean=True), mix).z)
    naive = min(_prior_nll(vae, held, rng.standard_normal((100, 2))) for _ in range(20))
    row["naive min − model"] = naive - row["model NLL"]
    return row


def train_digits_vae(seed, kl_weight=1.0, *, epochs=30):
    """A VAE(64, 2, hidden=(128,)) with σ_x² = 0.05 and KL weight ``kl_weight`` (β), trained
    from ``seed`` on the 1797 digits (pixels in [0, 1]): Adam at 2·10⁻³, batches of 64.
    Returns (vae, images (1797, 64), labels)."""
    x, y = load_digits(flat=True)
    rng = np.random.default_rng(seed)
    vae = VAE(64, 2, hidden=(128,), obs_logvar=np.log(0.05), kl_weight=kl_weight, rng=rng)
    vae.fit(x, epochs=epochs, batch_size=64, optimizer=Adam(lr=2e-3), rng=rng)
    return vae, x, y


def digits_beta(seed, *, draws=20):
    """For each β in ``BETAS``, on the training digits: the squared reconstruction error per
    image decoding the encoder's mean ("rec", z = μ(x)); the loss's own term, the squared
    error averaged over ``draws`` z's from q(z | x) per image ("E_q rec"; over 2σ_x² = 0.1 it
    is −E_q log p(x | z) up to a constant); and the KL(q(z | x) ‖ p(z)) per image (nats)."""
    row = {}
    for beta in BETAS:
        vae, x, _ = train_digits_vae(seed, beta)
        mu, lv = vae.encode(x)
        rng = np.random.default_rng([seed, 1])   # the ε's, apart from training's stream
        sq = [np.sum((vae.decode(reparameterize(mu, lv, rng.standard_normal(mu.shape))) - x) ** 2,
                     axis=1) for _ in range(draws)]                  # draws × (1797,)
        row[f"rec β={beta:g}"] = float(np.mean(np.sum((vae.decode(mu) - x) ** 2, axis=1)))
        row[f"E_q rec β={beta:g}"] = float(np.mean(sq))
        row[f"KL β={beta:g}"] = float(gaussian_kl(mu, lv).mean())
    return row


TABLES = {"25_mixture_vae": (mixture_vae, range(5)), "25_digits_beta": (digits_beta, range(5))}
