"""The base class ``Callback`` (every hook does nothing) and ``CallbackList``, which runs
several as one, with Keras' hooks and order (chapter 10). The callbacks themselves are in
callbacks.py and monitoring.py.
"""

from __future__ import annotations

__all__ = ["Callback", "CallbackList"]


class Callback:
    """The base class: every hook does nothing, so a subclass overrides only what it needs.

    ``fit`` calls, in this order (Keras' order; epochs and batches count from 0)::

        set_model(model); set_params({"epochs": E, "steps": S, "verbose": v})
        on_train_begin(logs)
        for epoch in range(E):
            on_epoch_begin(epoch, logs)
            for batch in range(S):
                on_batch_begin(batch, logs); …one training step…; on_batch_end(batch, logs)
            on_epoch_end(epoch, logs)      # then stop if model.stop_training is True
        on_train_end(logs)

    ``logs`` is a dict of floats. After an epoch it holds ``"loss"`` (the epoch's
    mean training loss), ``"val_loss"`` when there is validation data, the
    compiled metrics (``"accuracy"``, ``"val_accuracy"``) and ``"learning_rate"``. During an
    epoch (``on_batch_end``) it holds the running means of the epoch so far.
    All callbacks of one call get the same dict, so a callback may add keys
    (``LearningRateScheduler`` sets ``"learning_rate"``).

    A callback uses only the model's public side: ``get_weights()``,
    ``set_weights(ws)``, ``save(path)``, ``optimizer.lr`` and the flag
    ``stop_training``. One that changes ``optimizer.lr`` declares
    ``changes_learning_rate = True``; ``History`` then records ``"learning_rate"``
    each epoch (as Keras' does under a schedule), else only the other keys.

    Attributes:
        model: the model being trained (set by ``set_model``).
        params: ``{"epochs", "steps", "verbose"}`` of the current ``fit`` (set by ``set_params``).
    """

    changes_learning_rate: bool = False

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params) -> None:
        self.params = dict(params)

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Several callbacks behaving as one: each hook calls every callback in list
    order with the same ``logs`` dict. ``fit`` builds one from its arguments::

        cbs = CallbackList([ProgressLogger(verbose), *callbacks], model=self,
                           params={"epochs": epochs, "steps": steps, "verbose": verbose})

    Args:
        callbacks: a list of ``Callback`` instances, or ``None``.
        model, params: if given, passed to ``set_model`` / ``set_params`` at once.
    """

    def __init__(self, callbacks=None, model=None, params=None):
        if isinstance(callbacks, Callback):
            raise ValueError(
                f"CallbackList: expected a list of callbacks, got the single callback "
                f"{type(callbacks).__name__}. Wrap it in a list: callbacks=[...]."
            )
        self.callbacks: list[Callback] = []
        for cb in callbacks or []:
            self.append(cb)
        for cb in self.callbacks if model is not None else ():
            cb.set_model(model)                       # all set_model first, then set_params
        for cb in self.callbacks if params is not None else ():
            cb.set_params(params)

    def append(self, callback) -> None:
        i = len(self.callbacks)
        if isinstance(callback, type) and issubclass(callback, Callback):
            raise ValueError(f"CallbackList: item {i} is the class {callback.__name__}, expected "
                             f"an instance. Did you mean {callback.__name__}()?")
        if not isinstance(callback, Callback):
            raise ValueError(f"CallbackList: item {i} is {callback!r}, expected a Callback. "
                             f"Write your own as a subclass of nb.callbacks.Callback.")
        self.callbacks.append(callback)

    def set_model(self, model) -> None:
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params) -> None:
        for cb in self.callbacks:
            cb.set_params(params)

    def on_train_begin(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs=None):
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch, logs=None):
        for cb in self.callbacks:
            cb.on_batch_begin(batch, logs)

    def on_batch_end(self, batch, logs=None):
        for cb in self.callbacks:
            cb.on_batch_end(batch, logs)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)
