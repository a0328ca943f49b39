"""What a network knows (chapter 36): read and overwrite a layer's output at chosen positions,
linear probes with a control task, and a sparse autoencoder trained with ``fit``.

- patching.py: ``residuals`` (every layer's output, or one) and ``patched`` (the output with
  one layer's residual overwritten at chosen positions), by the model's own layers;
- probes.py: ``fit_probe`` (a softmax regression scored on a held-out split, with Hewitt &
  Liang's control task and the selectivity) and ``control_labels``;
- sae.py: ``sparse_autoencoder``, its ``SparseCode`` (ReLU or top-k, with the L1 penalty),
  ``UnitNormDecoder``, ``feature_activity`` (dead and dense features) and
  ``feature_auc`` (a feature against a binary label);
- steering.py: ``steered`` (the output with a vector added to one layer's output at every
  position), ``probe_direction`` and ``steered_sample`` (text from the steered model).

The parser's exact state behind each prefix, the probes' labels, is
``nb.data.Language.state_labels``."""

from .patching import patched, residuals
from .probes import ProbeFit, control_labels, fit_probe
from .sae import (FeatureActivity, SparseCode, UnitNormDecoder, feature_activity,
                  feature_auc, sparse_autoencoder)
from .steering import probe_direction, steered, steered_sample

__all__ = ["residuals", "patched", "ProbeFit", "fit_probe", "control_labels", "SparseCode",
           "UnitNormDecoder", "sparse_autoencoder", "FeatureActivity", "feature_activity",
           "feature_auc", "steered", "probe_direction", "steered_sample"]
