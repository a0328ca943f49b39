"""The check of the code a counted step runs (nnbook/arena/library.py, chapter 37): the
fourth cold reading's cheats, an optimizer that writes weights trained elsewhere into the
model during counted steps (a subclass of the library's; the library's AdamW with a method
set on it), and their neighbours (a method replaced on the class and restored, a NumPy
function replaced between steps, an object of the recipe's as a number), each refused with
a message that names it; what a recipe may do (Muon, a schedule of its own) accepted. The
recipes are functions of this file, forked: their patches stay in their process."""

import sys

import numpy as np
import pytest

import nnbook as nb
import nnbook.arena.budget as budget_module
import arena_recipes as recipes


# -- a counted step runs the library's own update (the fourth reading's optimizer cheats) ---
def _write_in(pairs):
    """What the cheats' update does instead of the optimizer's: the fourth reading copied in
    the weights of a baseline trained elsewhere on 4·10⁹ (0.29–0.33 at a budget of 10⁸);
    any write of the step's own is the same door."""
    for p, _ in pairs:
        p[...] = 0.5


class WritesIn(nb.AdamW):
    """Cheat O1: an optimizer of the recipe's own class, a subclass of the library's."""

    def step(self, pairs):
        _write_in(pairs)


def _compiled(arena, optimizer, epochs=1, callbacks=()):
    model = arena.model(recipes.tiny_layers(arena))
    model.compile(optimizer=optimizer, loss=nb.CrossEntropy(from_logits=True))
    x, y = arena.windows(recipes.BATCH * recipes.STEPS // epochs)
    model.fit(x, y, epochs=epochs, batch_size=recipes.BATCH, verbose=0, rng=arena.rng,
              callbacks=list(callbacks))
    return model


def _refused(recipe, match, steps=recipes.STEPS):
    with pytest.raises(nb.arena.RecipeError, match=match):
        nb.arena.run_seed(recipe, recipes.budget_for(steps), 0, evaluation="seed")


def test_an_optimizer_of_the_recipes_own_class_is_refused():
    """Cheat O1, and the reading's form of it: recompiled with the library's AdamW before
    returning (so that the saved model names a library class)."""
    def own_class(arena):
        model = _compiled(arena, WritesIn(lr=0.01))
        model.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True))
        return model
    _refused(own_class, r"arena.model's optimizer is of the class WritesIn \(of "
                        r"test_arena_library\), not one of nnbook's optimizers.*Compile with "
                        r"AdamW itself")


@pytest.mark.parametrize("method", ["step", "_update_all", "_update"])
def test_a_library_optimizer_with_a_method_set_on_it_is_refused(method):
    """Cheat O2: the library's AdamW with one method of the recipe's on the instance (the
    reading's: ``_update_all``)."""
    def set_on_it(arena):
        opt = nb.AdamW(lr=0.01)
        setattr(opt, method, (lambda pairs: _write_in(pairs)) if method == "step"
                else lambda *triple: _write_in(triple[-1] if len(triple) == 1 else [triple]))
        return _compiled(arena, opt)
    _refused(set_on_it, rf"arena.model.optimizer.{method} is <function .*set on the object "
                        rf"over its class's {method}")


def test_a_library_optimizers_method_replaced_on_its_class_is_refused_even_if_restored():
    """Cheat O3: ``AdamW._update_all`` replaced on the class while it trains, put back
    before returning."""
    def on_the_class(arena):
        kept = nb.AdamW._update_all
        nb.AdamW._update_all = lambda self, triples: _write_in(triples)
        try:
            return _compiled(arena, nb.AdamW(lr=0.01))
        finally:
            nb.AdamW._update_all = kept
    _refused(on_the_class, r"not the library's: nnbook.optimizers.adamw.AdamW._update_all")


class Replaces(nb.callbacks.Callback):
    """After the first epoch (past the model's first, whole check), NumPy's ``sqrt`` that
    Adam's update calls is replaced; put back when training ends."""

    def on_epoch_end(self, epoch, logs=None):
        Replaces.kept = np.sqrt
        np.sqrt = lambda v, out=None: _write_in([(out, None)]) or out

    def on_train_end(self, logs=None):
        np.sqrt = Replaces.kept


def test_a_function_the_update_calls_replaced_between_steps_is_refused():
    """Cheat O4: a NumPy function the update calls, replaced by a callback of the recipe's
    after the first epoch (each counted step compares the names the update runs)."""
    _refused(lambda arena: _compiled(arena, nb.AdamW(lr=0.01), 2, [Replaces()]),
             r"not the library's: numpy.sqrt")


class Rate(float):
    """A learning rate whose product writes in: an object of the recipe's, not a number."""

    def __rmul__(self, other):
        return float(self) * other


def test_an_object_of_the_recipes_in_the_optimizer_is_refused():
    """Cheat O5: the library's AdamW holding an object of the recipe's as a number."""
    def sets_the_rate(arena):
        opt = nb.AdamW(lr=0.01)
        opt.lr = Rate(0.01)
        return _compiled(arena, opt)
    _refused(sets_the_rate, r"arena.model.optimizer.lr is a Rate of test_arena_library")


def test_a_library_optimizer_with_the_recipes_schedule_is_accepted():
    """What a recipe may do: Muon (chapter 34's) or AdamW, a schedule of its own (a lambda:
    the rate it sets is a number), and callbacks of its own."""
    def honest_muon(arena):
        return _compiled(arena, nb.Muon(lr=0.02), 2, [
            nb.callbacks.LearningRateScheduler(lambda epoch: 0.02 / (1 + epoch))])
    s = nb.arena.run_seed(honest_muon, 2 * recipes.budget_for(), 0, evaluation="seed")
    assert nb.arena.SCORE_FLOOR < s.score and s.spent <= 2 * recipes.budget_for()


def test_the_callers_own_patch_before_the_run_is_the_reference(monkeypatch):
    """A recipe function of the caller's runs in a fork of the caller's process, which is the
    harness's own: what the caller changed before ``run`` (the claims test's Newton–Schulz
    counted as 0) is the library the recipe must leave as it is, not a replacement."""
    monkeypatch.setattr(budget_module, "optimizer_multiplications", lambda opt, params: 0)
    monkeypatch.setattr(nb.arena.child, "optimizer_multiplications", lambda opt, params: 0)
    muon = nb.arena.run_seed(lambda arena: _compiled(arena, nb.Muon(lr=0.02)),
                             recipes.budget_for(), 0, evaluation="seed")
    assert muon.spent == recipes.budget_for()           # the honest recipe's count: NS free
    assert nb.arena.SCORE_FLOOR < muon.score


def test_a_call_of_the_recipes_put_into_the_step_plan_is_refused():
    """The fifth reading's step-plan door: after the first counted step (checked whole), a
    function of the recipe's put into the planned forward calls, which a planned step makes
    without looking again, wrote weights in inside every counted step and was put back
    before returning (0.32 at 10⁸, no error). Each counted step now walks the plans' calls."""
    def in_the_plan(arena):
        model = _compiled(arena, nb.AdamW(lr=0.01), epochs=2)
        plan = next(p for p in model._plans.values() if p is not None)
        real, pairs = plan.forward[0], model.gradient_pairs()

        def first(*args, **kwargs):
            _write_in(pairs)
            return real(*args, **kwargs)
        plan.forward[0] = first
        x, y = arena.windows(recipes.BATCH)
        model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        plan.forward[0] = real
        return model
    _refused(in_the_plan, r"arena.model._plans\[.*\].forward\[0\] is the function "
                          r"test_a_call_of_the_recipes_put_into_the_step_plan_is_refused")


def _after_two_epochs(arena, patch, unpatch):
    """Two checked epochs, ``patch()``, one more epoch on batches of the same shape (planned
    steps), ``unpatch()``: what a check at the first step and at the end alone missed."""
    model = _compiled(arena, nb.AdamW(lr=0.01), epochs=2)
    patch(model)
    try:
        x, y = arena.windows(recipes.BATCH)
        model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
    finally:
        unpatch()
    return model


def test_a_layer_method_replaced_on_its_class_between_steps_is_refused():
    """The sixth reading's: after two epochs, the attention's ``forward`` replaced on its
    class by one that writes in (a planned ``TransformerBlock.forward`` looks it up as it
    runs), one more epoch, then put back (0.33 at 10⁸, no error). Every counted step now
    compares every class of nnbook."""
    cls = nb.MultiHeadAttention
    real = cls.__dict__["forward"]

    def patch(model):
        pairs = model.gradient_pairs()

        def forward(self, *args, **kwargs):
            if recipes.inside_the_step(sys._getframe()):
                _write_in(pairs)
            return real(self, *args, **kwargs)
        cls.forward = forward

    def unpatch():
        cls.forward = real
    _refused(lambda arena: _after_two_epochs(arena, patch, unpatch),
             r"not the library's: nnbook.layers.attention.multihead.MultiHeadAttention"
             r".forward", steps=recipes.STEPS + 2)


def test_a_method_added_to_a_class_over_its_bases_is_refused():
    """The same through a name the class did not hold: ``RMSNorm`` inherits ``forward``;
    one set on ``RMSNorm`` itself hides it (and deleted afterwards, leaves no trace)."""
    def patch(model):
        pairs, inherited = model.gradient_pairs(), nb.RMSNorm.forward

        def forward(self, *args, **kwargs):
            if recipes.inside_the_step(sys._getframe()):
                _write_in(pairs)
            return inherited(self, *args, **kwargs)
        nb.RMSNorm.forward = forward

    def unpatch():
        del nb.RMSNorm.forward
    _refused(lambda arena: _after_two_epochs(arena, patch, unpatch),
             r"nnbook.layers.normalization.rmsnorm.RMSNorm.forward, a new attribute "
             r"<function .*forward.*> over its bases' forward", steps=recipes.STEPS + 2)


def test_a_builtin_replaced_between_steps_is_refused():
    """Python's builtins run in every step (``len``, ``isinstance``): one replaced by a
    function that writes in when the step calls it, and put back, is a replaced name like
    NumPy's."""
    import builtins
    real = builtins.len

    def patch(model):
        pairs = model.gradient_pairs()

        def len(obj):                                      # noqa: A001 (the cheat's point)
            if recipes.inside_the_step(sys._getframe(1)):
                _write_in(pairs)
            return real(obj)
        builtins.len = len

    def unpatch():
        builtins.len = real
    _refused(lambda arena: _after_two_epochs(arena, patch, unpatch),
             r"not the library's: builtins.len", steps=recipes.STEPS + 2)


def test_a_function_in_a_table_the_update_reads_replaced_is_refused():
    """Names are not the only door: Muon's update looks its shape scale up in a dict of
    functions (``SHAPE_SCALES``) at every step; one replaced there, in place, by a
    function that writes in and put back is refused like a replaced name."""
    from nnbook.optimizers import polar
    real = polar.SHAPE_SCALES["original"]

    def patch(model):
        pairs = model.gradient_pairs()

        def scale(n_in, n_out):
            _write_in(pairs)
            return real(n_in, n_out)
        polar.SHAPE_SCALES["original"] = scale

    def unpatch():
        polar.SHAPE_SCALES["original"] = real

    def muon(arena):
        model = arena.model(recipes.tiny_layers(arena))
        model.compile(optimizer=nb.Muon(lr=0.02), loss=nb.CrossEntropy(from_logits=True))
        x, y = arena.windows(recipes.BATCH)
        model.fit(x, y, epochs=2, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        patch(model)
        try:
            model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        finally:
            unpatch()
        return model
    with pytest.raises(nb.arena.RecipeError, match=r"not the library's: "
                       r"nnbook.optimizers.polar.SHAPE_SCALES\['original'\]"):
        nb.arena.run_seed(muon, 4 * recipes.budget_for(), 0, evaluation="seed")


@pytest.mark.parametrize("how", ["plans emptied", "run eagerly"])
def test_a_method_set_on_a_layer_for_an_unplanned_step_is_refused(how):
    """A step with no plan (the plans emptied, or compiled to run eagerly) runs the layers'
    own methods: one set on a layer object for a single step (and removed after it) wrote
    in with no error, since only the plans led the per-step walk to the layers."""
    def on_the_layer(arena):
        model = arena.model(recipes.tiny_layers(arena))
        model.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True),
                      run_eagerly=how == "run eagerly")
        x, y = arena.windows(recipes.BATCH)
        model.fit(x, y, epochs=2, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        pairs, attn = model.gradient_pairs(), model.layers[1].attn
        real = attn.forward

        def forward(*args, **kwargs):
            _write_in(pairs)
            return real(*args, **kwargs)
        getattr(model, "_plans").clear()
        attn.forward = forward
        try:
            model.train_step(x, y)
        finally:
            del attn.forward
        return model
    _refused(on_the_layer, r"arena.model.layers\[1\].*forward is <function .*forward.*set "
                           r"on the object over its class's forward",
             steps=recipes.STEPS + 2)


# -- what the model holds, at every step (the seventh reading's last door) ----------------
class WritingList(list):
    """A list of the recipe's as ``model.layers``: a counted step iterates the layers (its
    fingerprint, its count, its forward), and ``__iter__`` is the recipe's code."""

    def __iter__(self):
        if recipes.inside_the_step(sys._getframe(1)):
            _write_in(self.pairs)
        return super().__iter__()


class WritingDict(dict):
    """A dict of the recipe's as ``model._plans``: ``Sequential.train_step`` looks its plan
    up with ``get``, the recipe's code."""

    def get(self, *args):
        _write_in(self.pairs)
        return super().get(*args)


class WritingTuple(tuple):
    """A tuple of the recipe's as a step plan's (parameter, gradient) pairs, which the
    optimizer iterates."""

    def __iter__(self):
        _write_in(self)
        return super().__iter__()


def _swap(model, where):
    """Put a container of the recipe's where the step reads ``where``; a function that
    puts the library's back."""
    pairs = model.gradient_pairs()
    if where == "a step plan's pairs":
        plan = next(p for p in model._plans.values() if p is not None)
        plain = plan.pair_tuple
        plan.pair_tuple = WritingTuple(plain)
        return lambda: setattr(plan, "pair_tuple", plain)
    name = {"the layers": "layers", "the step plans": "_plans"}[where]
    plain = getattr(model, name)
    setattr(model, name, (WritingList if name == "layers" else WritingDict)(plain))
    getattr(model, name).pairs = pairs
    return lambda: setattr(model, name, plain)


@pytest.mark.parametrize("where", ["the layers", "the step plans", "a step plan's pairs"])
def test_a_container_of_the_recipes_put_in_the_model_after_the_first_step_is_refused(where):
    """The seventh reading's door: after the first counted step (the model then walked
    whole), ``model.layers`` replaced by a list of the recipe's class whose ``__iter__``, or
    ``model._plans`` by a dict whose ``get``, wrote weights trained elsewhere in inside the
    next counted step, and the plain one put back before returning (0.32 at 10⁸, no error:
    the model was walked whole only at its first step and after the return). Every counted
    step now walks all the model holds, every container of exactly its type; a plan's
    other parts too (its pairs, which the optimizer iterates)."""
    def swapped(arena):
        model = _compiled(arena, nb.AdamW(lr=0.01), epochs=2)
        put_back = _swap(model, where)
        try:
            x, y = arena.windows(recipes.BATCH)
            model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        finally:
            put_back()
        return model
    path = {"the layers": r"arena.model.layers is a WritingList",
            "the step plans": r"arena.model._plans is a WritingDict",
            "a step plan's pairs": r"arena.model._plans\[.*\].pair_tuple is a WritingTuple"}
    _refused(swapped, path[where] + " of test_arena_library", steps=recipes.STEPS + 2)


@pytest.mark.parametrize("what", ["spend", "watcher"])
def test_the_meters_method_or_watcher_replaced_after_the_first_step_is_refused(what):
    """The meter the model spends on inside every forward and backward was not walked (its
    watch compares what it counts): a ``spend`` set on the meter object, or a watcher of
    the recipe's, that wrote in and put the library's back at its first call, passed."""
    def on_the_meter(arena):
        model = _compiled(arena, nb.AdamW(lr=0.01))
        pairs, meter = model.gradient_pairs(), arena.meter
        watch, spend = meter.watcher, type(meter).spend

        class Watcher:
            def __call__(self, n):
                _write_in(pairs)
                meter.watcher = watch
                return watch(n)

        def own_spend(n, said):
            _write_in(pairs)
            del meter.spend
            return spend(meter, n, said)
        if what == "spend":
            meter.spend = own_spend
        else:
            meter.watcher = Watcher()
        x, y = arena.windows(recipes.BATCH)
        model.train_step(x, y)
        return model
    found = {"spend": r"arena.model._meter.spend is <function .*own_spend.*set on the "
                      r"object over its class's spend",
             "watcher": r"arena.model._meter.watcher is a .*Watcher of test_arena_library"}
    _refused(on_the_meter, found[what], steps=recipes.STEPS + 1)


class ClaimsToBeList(type):
    """A metaclass whose classes answer == and hash() as ``list`` does: a set of the
    containers' types (``list in {...}``) took a list of the recipe's for a list."""

    def __eq__(cls, other):
        return other is list or cls is other

    def __hash__(cls):
        return hash(list)


class PassingList(list, metaclass=ClaimsToBeList):
    def __iter__(self):
        if recipes.inside_the_step(sys._getframe(1)):
            _write_in(self.pairs)
        return super().__iter__()


def test_a_list_whose_class_claims_to_be_list_is_refused():
    """The walk of the whole model took a container's type by ``in`` a set of types, which
    asks the type's metaclass: one that answers as ``list`` passed even the first step's
    walk and the one after the return. Types are now compared by identity."""
    def claims(arena):
        model = arena.model(recipes.tiny_layers(arena))
        model.compile(optimizer=nb.AdamW(lr=0.01), loss=nb.CrossEntropy(from_logits=True))
        model.layers = PassingList(model.layers)
        model.layers.pairs = model.gradient_pairs()
        x, y = arena.windows(recipes.BATCH * recipes.STEPS)
        model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        model.layers = list(model.layers)
        return model
    _refused(claims, r"arena.model.layers is a PassingList of test_arena_library")
