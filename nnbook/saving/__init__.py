"""The model file that ``model.save(path)`` writes and ``nb.load_model(path)`` reads
(chapter 00): one ``.npz``, never pickled.

- model_file.py: what the file holds (the architecture as JSON text, the weights, the
  layer buffers, the optimizer state), written atomically, and read back into layers,
  loss and optimizer;
- file_checks.py: what loading checks before it trusts a file (the sizes a layer's
  configuration asks for, the weights finite);
- layer_refs.py: one layer of a model named in another's configuration (a tied
  ``Unembedding``, chapter 20).

``Sequential.save`` and ``load_model``, which builds the ``Sequential``, stay with the model
in ``nnbook/training/`` (model.py, loading.py); this folder imports nothing of
``training/`` (where these modules stood before issue 77): the loss and optimizer base
classes a file's classes must subclass come as arguments."""

from .model_file import optimizer_from_config, read_model, save_model

__all__ = ["save_model", "read_model", "optimizer_from_config"]
