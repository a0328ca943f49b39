"""What trains a model (chapters 00, 04, 10, 11): ``Sequential`` with its public training
step (model.py), the epoch loop and ``History`` (loop.py), the checks on x and y
(inputs.py) and on what a layer's forward and backward return (protocol.py), the losses,
learning-rate schedules, callbacks, metrics, ``load_model`` (loading.py; the file format is
in ``nnbook/saving/``), and the progress display; the losses of post-training
(posttraining.py, chapter 22) and of distillation (distillation.py, chapter 35). The other public names are also at the top level
(``nb.Sequential``); callbacks, schedules and metrics are ``nb.callbacks``, ``nb.schedules``
and ``nb.metrics``; the optimizers and ``clip_grad_norm`` are in ``nnbook/optimizers/`` and
Part VI's statistics in ``nnbook/evaluation/``, both still reached from here
(``nb.training.Adam``, ``nb.training.ppo_clip``).
"""

from ..optimizers import SGD, Adam, AdamW, Muon, Optimizer, RMSProp, clip_grad_norm
from . import callbacks, metrics, schedules
from .losses import MSE, BinaryCrossEntropy, CrossEntropy, Loss
from .loading import load_model
from .model import History, Sequential
from .distillation import (OnPolicyDistillation, SoftDistillation,
                           on_policy_distillation_loss, soft_distillation_loss)
from .posttraining import (dpo_loss, group_advantages, policy_gradient_loss, sequence_kl,
                           sequence_logprobs, sequence_logprobs_backward)

__all__ = ["Sequential", "History", "load_model", "Loss", "MSE", "BinaryCrossEntropy",
           "CrossEntropy", "Optimizer", "SGD", "RMSProp", "Adam", "AdamW", "Muon",
           "callbacks", "metrics", "schedules",
           "sequence_logprobs", "sequence_logprobs_backward", "dpo_loss", "group_advantages",
           "policy_gradient_loss", "sequence_kl", "clip_grad_norm", "SoftDistillation",
           "OnPolicyDistillation", "soft_distillation_loss", "on_policy_distillation_loss"]

# The names of Part VI's statistics, which stood here until they moved to nnbook/evaluation/
_MOVED = (
    "ADVANTAGE_KINDS", "grpo_advantages", "reward_patterns", "reinforce_gradient",
    "expected_update", "expected_weight", "weight_closed_form", "sampled_updates",
    "zero_variance_share", "ppo_clip", "pass_at_k", "ScalingFit", "fit_scaling_law",
    "fit_power_law", "scaling_law", "MixingFit", "fit_mixing_law", "mixing_law",
    "best_of_n_success", "majority_vote_success", "best_of_n_policy", "kl_divergence",
    "best_of_n_kl_bound", "BradleyTerryFit", "bradley_terry", "bradley_terry_votes",
    "elo_ratings")


def __getattr__(name):
    """``nb.training.ppo_clip`` and ``from nnbook.training import pass_at_k`` as before the
    move: each name of ``_MOVED`` is ``nnbook.evaluation``'s own object."""
    if name in _MOVED:
        from .. import evaluation
        return getattr(evaluation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
