"""``Language.step`` on parser stacks given numbers (``Language.numbered``), for ``parse``
and window_bound.py: the same products summed in the same order, so the same bits, without
hashing a tuple of tuples at every lookup. Not a learner's API: the chapters read ``step``.
"""

# ``step`` keys its dicts by stacks, tuples of tuples, and Python hashes a tuple by walking
# it on every lookup: that was most of ``Language.parse``'s time. Here each stack gets a
# number once (``stacks[i]`` is stack i) and its moves by character are kept as
# ``[(p, i_rest), …]``.

__all__ = ["NumberedStacks"]


class NumberedStacks:
    """The stacks a grammar has met, numbered in the order first seen, and their moves."""

    def __init__(self, moves_for):
        self.moves_for = moves_for      # stack -> {ch: [(p, rest stack), …]}, the grammar's
        self.ids, self.stacks, self.moves = {}, [], []

    def number(self, stack):
        """The number of ``stack``, given on first sight."""
        i = self.ids.get(stack)
        if i is None:
            i = self.ids[stack] = len(self.stacks)
            self.stacks.append(stack)
            self.moves.append(None)
        return i

    def moves_of(self, i):
        """``moves_for`` of stack number i, with the stacks left as numbers."""
        found = self.moves[i]
        if found is None:
            found = {ch: [(p, self.number(rest)) for p, rest in moves]
                     for ch, moves in self.moves_for(self.stacks[i]).items()}
            self.moves[i] = found
        return found

    def step(self, states, ch):
        """``step`` on numbered stacks ({i: weight}): the same sums in the same order."""
        new, known = {}, self.moves
        for i, w in states.items():
            found = known[i]
            if found is None:
                found = self.moves_of(i)
            for p, r in found.get(ch, ()):
                new[r] = new.get(r, 0.0) + w * p
        return new

    def as_stacks(self, states):
        """Numbered states ({i: weight}) as ``step``'s ({stack: weight})."""
        stacks = self.stacks
        return {stacks[i]: w for i, w in states.items()}
