"""Generative models (Part V, chapters 25 to 28): the VAE's Gaussian
pieces and model; noise schedules, the time
embedding and the MLP denoiser, the training pairs of denoising score matching and flow
matching, the samplers (DDPM, DDIM, Euler), the exact score and velocity of a
``nb.data.GaussianMixture`` that they are checked against, and classifier-free guidance
with what it samples in closed form.

- ``noise.py``: the noise schedules ``LinearSchedule`` and ``CosineSchedule``, with
  ``alpha_bar(t)``, and the papers' discrete ones (``DiscreteSchedule``, made by
  ``LinearSchedule.discrete()`` and ``CosineSchedule.discrete()``);
- ``time_embedding.py``: ``TimeEmbedding``, the sinusoidal layer, and ``with_time``;
- ``denoiser.py``: ``denoiser``, ``as_function``, ``noise_batch``, ``flow_batch``,
  ``train_denoiser``;
- ``samplers.py``: ``ddpm_sample`` (and one step of it, ``ddpm_step``), ``ddim_sample``,
  ``euler_sample``;
- ``gaussian.py``: ``reparameterize`` (and its backward), ``gaussian_kl`` (and its
  gradient), ``gaussian_log_likelihood``, ``Reparameterize``, ``reparameterized_gradients``,
  ``score_function_gradients`` (chapter 25);
- ``vae.py``: ``VAE``, ``linear_log_prob``, ``linear_elbo``, ``linear_posterior``,
  ``quadrature_log_prob`` (chapter 25);
- ``exact.py``: ``exact_score``, ``exact_noise``, ``flow_marginal``, ``exact_velocity``;
- ``guidance.py``: ``guide``, ``guided``, ``class_mixture``, ``exact_class_score``,
  ``exact_class_noise`` (chapter 27, classifier-free guidance);
- ``conditional.py``: ``with_class``, ``conditional_denoiser``, ``conditional_noise_batch``,
  ``train_conditional_denoiser``, ``class_function`` (chapter 27, the class-conditional
  denoiser whose null class is the unconditional model);
- ``guidance_gaussian.py``: ``tilted_moments``, ``guided_ode_moments``,
  ``guided_sde_moments``, ``ve_guided_ode_moments``, ``ve_guided_sde_moments`` (chapter 27,
  what guidance samples in closed form);
- ``masked.py``: ``mask_batch``, ``masked_targets``, ``MaskedDiffusionLoss``,
  ``masked_diffusion_model``, ``masked_diffusion_step``, ``model_conditionals``,
  ``masked_nll``, ``loss_at_rate`` (chapter 28, masked diffusion of text);
- ``unmasking.py``: ``unmask_sample``, ``gumbel_max``, ``gumbel_noise`` (chapter 28,
  sampling by unmasking).
"""

from .conditional import (class_function, conditional_denoiser, conditional_noise_batch,
                          train_conditional_denoiser, with_class)
from .denoiser import as_function, denoiser, flow_batch, noise_batch, train_denoiser
from .gaussian import (Reparameterize, gaussian_kl, gaussian_kl_grad, gaussian_log_likelihood,
                       reparameterize, reparameterize_backward, reparameterized_gradients,
                       score_function_gradients)
from .exact import exact_noise, exact_score, exact_velocity, flow_marginal
from .guidance import class_mixture, exact_class_noise, exact_class_score, guide, guided
from .masked import (MaskedDiffusionLoss, loss_at_rate, mask_batch, masked_diffusion_model,
                     masked_diffusion_step, masked_nll, masked_targets, model_conditionals)
from .unmasking import gumbel_max, gumbel_noise, unmask_sample
from .guidance_gaussian import (guided_ode_moments, guided_sde_moments, tilted_moments,
                                ve_guided_ode_moments, ve_guided_sde_moments)
from .samplers import ddim_sample, ddpm_sample, ddpm_step, euler_sample
from .noise import CosineSchedule, DiscreteSchedule, LinearSchedule, NoiseSchedule
from .time_embedding import TimeEmbedding, with_time
from .vae import VAE, linear_elbo, linear_log_prob, linear_posterior, quadrature_log_prob

__all__ = ["NoiseSchedule", "LinearSchedule", "CosineSchedule", "DiscreteSchedule",
           "TimeEmbedding", "with_time",
           "denoiser", "as_function", "noise_batch", "flow_batch", "train_denoiser",
           "ddpm_sample", "ddpm_step", "ddim_sample", "euler_sample",
           "exact_score", "exact_noise", "flow_marginal", "exact_velocity",
           "reparameterize", "reparameterize_backward", "gaussian_kl", "gaussian_kl_grad",
           "gaussian_log_likelihood", "Reparameterize", "VAE", "linear_log_prob", "linear_elbo",
           "linear_posterior", "quadrature_log_prob", "reparameterized_gradients",
           "score_function_gradients",
           "guide", "guided", "class_mixture", "exact_class_score", "exact_class_noise",
           "tilted_moments", "guided_ode_moments", "guided_sde_moments",
           "ve_guided_ode_moments", "ve_guided_sde_moments",
           "mask_batch", "masked_targets", "MaskedDiffusionLoss", "masked_diffusion_model",
           "masked_diffusion_step", "model_conditionals", "masked_nll", "loss_at_rate",
           "unmask_sample", "gumbel_max", "gumbel_noise",
           "with_class", "conditional_denoiser", "conditional_noise_batch",
           "train_conditional_denoiser", "class_function"]
