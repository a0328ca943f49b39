"""Part VI's statistics (chapters 29, 30 and 32) and chapters 35's and 37's: what judges an
update, a policy, a leaderboard, a scaling law or a change of recipe, each against an exact
answer; nothing here trains a model.

- grpo.py: GRPO's advantages and their variants, the exact expected update of a softmax
  bandit over all 2^G reward patterns, its closed forms, the share of groups that teach
  nothing, and PPO's clipped objective (29);
- pass_at_k.py: the unbiased pass@k estimator (29);
- best_of_n.py: test-time compute in closed form: best-of-n's and majority vote's success,
  best-of-n's exact distribution and its KL to the policy (30);
- leaderboards.py: Bradley–Terry's votes and fit, and Elo's ratings (30);
- scaling_law.py: the scaling law L(N, D) fitted with its standard errors, and the
  compute-optimal split; mixing_law.py: the data-mixing law of two sources and its fit (32;
  both also at the top level, ``nb.fit_scaling_law``);
- distillation.py: a teacher's and its student's distances to the exact conditionals and
  to each other, in bits (35);
- paired.py: the exact sign-flip test of two recipes scored on the same seeds (37).

They stood in ``nnbook/training/`` before, and ``nb.training.ppo_clip`` still finds them."""

from .grpo import (ADVANTAGE_KINDS, expected_update, expected_weight, grpo_advantages,
                   ppo_clip, reinforce_gradient, reward_patterns, sampled_updates,
                   weight_closed_form, zero_variance_share)
from .pass_at_k import pass_at_k
from .best_of_n import (best_of_n_kl_bound, best_of_n_policy, best_of_n_success, kl_divergence,
                        majority_vote_success)
from .leaderboards import (ELO_SCALE, BradleyTerryFit, bradley_terry, bradley_terry_votes,
                           elo_ratings)
from .scaling_law import ScalingFit, fit_power_law, fit_scaling_law, scaling_law
from .mixing_law import MixingFit, fit_mixing_law, mixing_law
from .distillation import DistillationDistances, distillation_distances
from .paired import PairedTest, paired_test

__all__ = ["ADVANTAGE_KINDS", "grpo_advantages", "reward_patterns", "reinforce_gradient",
           "expected_update", "expected_weight", "weight_closed_form", "sampled_updates",
           "zero_variance_share", "ppo_clip", "pass_at_k",
           "best_of_n_success", "majority_vote_success", "best_of_n_policy", "kl_divergence",
           "best_of_n_kl_bound", "BradleyTerryFit", "bradley_terry", "bradley_terry_votes",
           "elo_ratings", "ELO_SCALE",
           "ScalingFit", "fit_scaling_law", "fit_power_law", "scaling_law", "MixingFit",
           "fit_mixing_law", "mixing_law", "DistillationDistances", "distillation_distances",
           "PairedTest", "paired_test"]
