"""Chapter 25's experiment over seeds: a VAE trained on chapter 26's 2-D mixture, its bounds
on held-out data beside the true density's negative log-likelihood (the floor), and its
samples scored against the true density by ``nb.data.mixture_mmd``.
"""

from __future__ import annotations

import numpy as np

from ..data.mixture import mixture_mmd
from ..generative import VAE, quadrature_log_prob
from ..training.optimizers import Adam
from .ch26_diffusion import mixture

__all__ = ["train_mixture_vae", "mixture_vae", "TABLES"]


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


def mixture_vae(seed):
    """Per-sample negative log-likelihoods (nats) on 500 held-out samples: the true density's
    (the floor), the negative ELBO, the negative IWAE bounds at K = 10 and 100, the model's
    own by quadrature on a 101 × 101 latent grid; and the MMD z of 1000 samples
    (about N(0, 1) for true samples)."""
    vae, mix, rng = train_mixture_vae(seed)
    held = mix.sample(500, rng=rng)
    return {"true NLL": float(-mix.log_prob(held).mean()),
            "neg ELBO": float(-vae.elbo(held, rng=rng).mean()),
            "neg IWAE 10": float(-vae.iwae_bound(held, 10, rng=rng).mean()),
            "neg IWAE 100": float(-vae.iwae_bound(held, 100, rng=rng).mean()),
            "model NLL": float(-quadrature_log_prob(vae, held, points=101).mean()),
            "MMD z": float(mixture_mmd(vae.sample(1000, rng=rng), mix).z)}


TABLES = {"25_mixture_vae": (mixture_vae, range(5))}
