"""``PartArrays``: a block's ``params`` or ``grads`` as a view over its parts' dicts
(chapter 18), so each array has one owner, the part, and the block reads it from there.
"""

from __future__ import annotations

from collections.abc import ItemsView, MutableMapping, ValuesView

__all__ = ["PartArrays"]


class PartArrays(MutableMapping):
    """The ``params`` (or ``grads``) of a layer made of layers, under the layer's names.

    ``names()`` (the owner's) gives ``{name: (part, key)}`` for its current parts;
    ``view[name]`` is ``part.params[key]`` (or ``part.grads[key]``) read at that moment, and
    ``view[name] = array`` stores the array in the part, so a part replaced (a LoRA), an
    array replaced in a part, and an array replaced here are all seen at once, with nothing
    to copy or re-bind. The names are fixed by the parts: a new name or ``del`` is an error.
    """

    def __init__(self, owner, which: str, names) -> None:
        self._owner, self._which = owner, which          # which: "params" or "grads"
        self._names = names                              # () -> {name: (part, key)}

    def __getitem__(self, name):
        part, key = self._names()[name]
        return getattr(part, self._which)[key]

    def get(self, name, default=None):
        found = self._names().get(name)
        return default if found is None else getattr(found[0], self._which)[found[1]]

    def pairs(self):
        """``(name, array)`` for every name, the names looked up once (``items()``)."""
        which = self._which
        return [(name, getattr(part, which)[key]) for name, (part, key) in self._names().items()]

    def items(self):
        return _Items(self)

    def values(self):
        return _Values(self)

    def __setitem__(self, name, array) -> None:
        names = self._names()
        if name not in names:
            raise KeyError(f"{self._owner!r}: no parameter {name!r} to replace; its "
                           f"{self._which} are {list(names)}. A block's names come from its "
                           f"parts: replace a part (block.attn = …) to add arrays.")
        part, key = names[name]
        getattr(part, self._which)[key] = array

    def __delitem__(self, name) -> None:
        raise TypeError(f"{self._owner!r}: {self._which} is a view over its parts; remove "
                        f"or replace the part instead of deleting {name!r}.")

    def __iter__(self):
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __contains__(self, name) -> bool:
        return name in self._names()

    def __repr__(self) -> str:
        return repr(dict(self))


class _Items(ItemsView):
    """``items()`` of a ``PartArrays``: the names looked up once per pass, not per name."""

    def __iter__(self):
        return iter(self._mapping.pairs())


class _Values(ValuesView):
    def __iter__(self):
        return (array for _, array in self._mapping.pairs())
