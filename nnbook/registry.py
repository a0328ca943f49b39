"""The classes a model file may name: every layer, loss and optimizer that ``save``
writes by class name and ``load_model`` builds again. nnbook's own classes register
where they are defined (``@register_class``); a learner's class comes through
``load_model(path, custom_objects={"Name": Name})`` or the same decorator. Loading
looks only here, never at what the package happens to export (chapter 00).
"""

from __future__ import annotations

__all__ = ["register_class", "lookup", "registered", "name_of"]

_CLASSES: dict[str, type] = {}


def register_class(cls=None, *, name: str | None = None):
    """Record ``cls`` under ``name`` (its class name by default) so ``load_model`` finds it.

    Use it as a decorator on your own layer, loss or optimizer::

        @nb.register_class
        class Scale(nb.Layer): ...

    A file saved with a ``Scale`` layer then loads without ``custom_objects``; a class
    registered with ``name=`` is written to the file under that name. Running
    the defining cell again replaces the class; a different class under a name that is
    taken (say your own ``Dense``) is a ``ValueError``: give it ``name="MyDense"``.
    """
    def add(c):
        if not isinstance(c, type):
            raise ValueError(f"register_class: expected a class, got {c!r}; put "
                             f"@nb.register_class on the line above 'class ...:'.")
        key = c.__name__ if name is None else str(name)
        known = _CLASSES.get(key)
        if known is not None and (known.__module__, known.__qualname__) != (
                c.__module__, c.__qualname__):
            raise ValueError(
                f"register_class: the name {key!r} already belongs to {known.__module__}."
                f"{known.__qualname__}; a model file names classes by name, so two cannot "
                f"share one. Register yours under another: @nb.register_class(name='My{key}').")
        _CLASSES[key] = c
        return c

    return add if cls is None else add(cls)


def lookup(name: str, custom_objects=None):
    """The class saved under ``name``: ``custom_objects`` first (as Keras), then the
    registered classes; ``None`` when neither has it."""
    custom = custom_objects or {}
    if name in custom:
        return custom[name]
    return _CLASSES.get(name)


def name_of(cls: type) -> str:
    """The name a model file writes for ``cls``: the one it was registered under (its own
    name first, else the ``name=`` it was given), or its class name if it is not registered."""
    if _CLASSES.get(cls.__name__) is cls:
        return cls.__name__
    return next((key for key, c in _CLASSES.items() if c is cls), cls.__name__)


def registered() -> dict[str, type]:
    """A copy of the table: ``{class name: class}``."""
    return dict(_CLASSES)
