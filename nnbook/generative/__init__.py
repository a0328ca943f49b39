"""Generative models (Part V, chapters 25 to 28), each checked against an exact answer on a
``nb.data.GaussianMixture`` or the grammar:

- noise.py: the noise schedules; time_embedding.py: ``TimeEmbedding``, ``with_time``;
- denoiser.py: the MLP denoiser (with a class input too), its training pairs (score and flow
  matching, with a class) and its trainer;
- samplers.py: DDPM, DDIM and Euler; exact.py: the exact score and velocity (26);
- gaussian.py, vae.py: the reparameterisation, the Gaussian KL and the ``VAE`` (25);
- guidance.py, conditional.py, guidance_gaussian.py: classifier-free guidance, the
  class-conditional denoiser's input and what guidance samples in closed form (27);
- masked.py, unmasking.py: masked diffusion of text and sampling by unmasking (28)."""

from .conditional import class_function, with_class
from .denoiser import (as_function, conditional_noise_batch, denoiser, flow_batch, noise_batch,
                       train_denoiser)
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
           "with_class", "conditional_noise_batch", "class_function"]
