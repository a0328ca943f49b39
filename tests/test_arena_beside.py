"""The check of what runs beside a counted step (nnbook/arena/beside.py, chapter 37): the sixth
cold reading's three cheats, each of which wrote weights trained elsewhere into the model
while the main thread was inside the library's ``Sequential.train_step`` (after the step's
checks, before its fingerprint) and scored 0.31 at 10⁸ with no error: a second Python
thread, a profile (or trace) hook, a garbage collector callback; and their neighbour, a
signal handler a timer fires. Each is now refused with a message that names it; what was
there before the recipe started (a coverage tool's hook) is the reference, not a cheat.
The recipes are functions of this file, forked."""

import gc
import signal
import sys
import threading

import pytest

import nnbook as nb
import arena_recipes as recipes
from arena_recipes import inside_the_step
from test_arena_library import _compiled, _refused, _write_in


def test_a_thread_that_writes_in_during_the_step_is_refused():
    """The reading's thread: it watches the main thread's stack and writes once the main
    thread is inside the step; it has ended before the recipe returns."""
    def beside(arena):
        model = recipes.tiny_model(arena)
        pairs, main, done = model.gradient_pairs(), threading.get_ident(), threading.Event()

        def watch():
            while not done.is_set():
                if inside_the_step(sys._current_frames().get(main)):
                    _write_in(pairs)
                    done.set()
        thread = threading.Thread(target=watch, name="watcher")
        thread.start()
        try:
            x, y = arena.windows(recipes.BATCH * recipes.STEPS)
            model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        finally:
            done.set()
            thread.join()
        return model
    _refused(beside, r"at a counted step a Python thread the recipe started is alive "
                     r"\(watcher\); expected only the Python threads the recipe's process "
                     r"started with.*Join every thread")


@pytest.mark.parametrize("hook", ["setprofile", "settrace"])
def test_a_profile_or_trace_hook_that_writes_in_as_the_step_returns_is_refused(hook):
    """The reading's profile hook (and a trace hook, its twin): it writes at the return of
    the library's step, and is removed before the recipe returns."""
    def beside(arena):
        model = recipes.tiny_model(arena)
        pairs = model.gradient_pairs()

        def on(frame, event, arg):
            if event == "return" and inside_the_step(frame) \
                    and frame.f_code.co_name == "train_step":
                _write_in(pairs)
            return on
        getattr(sys, hook)(on)
        try:
            x, y = arena.windows(recipes.BATCH * recipes.STEPS)
            model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        finally:
            getattr(sys, hook)(None)
        return model
    what = "getprofile" if hook == "setprofile" else "gettrace"
    _refused(beside, rf"at a counted step sys.{what}\(\) is <function .*on at .*\(it was "
                     rf"None\); expected only the trace and profile hooks")


def test_a_hook_for_threads_is_refused():
    """``threading.setprofile``: the hook every thread started later gets (the main thread
    does not run it, but a thread the recipe starts in the step would)."""
    def beside(arena):
        threading.setprofile(lambda frame, event, arg: None)
        try:
            return _compiled(arena, nb.AdamW(lr=0.01))
        finally:
            threading.setprofile(None)
    _refused(beside, r"threading.getprofile\(\) is <function")


def test_a_gc_callback_that_writes_in_as_the_step_allocates_is_refused():
    """The reading's callback: the collector, at threshold 1, runs when the step allocates;
    the callback writes once it finds itself inside the step, and is removed before the
    recipe returns."""
    def beside(arena):
        model = recipes.tiny_model(arena)
        pairs = model.gradient_pairs()

        def callback(phase, info):
            if phase == "start" and inside_the_step(sys._getframe(1)):
                _write_in(pairs)
        threshold = gc.get_threshold()
        gc.set_threshold(1)
        gc.callbacks.append(callback)
        try:
            x, y = arena.windows(recipes.BATCH * recipes.STEPS)
            model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        finally:
            gc.callbacks.remove(callback)
            gc.set_threshold(*threshold)
        return model
    _refused(beside, r"at a counted step gc.callbacks holds \[<function .*callback at .*"
                     r"\(it held .*\); expected only the garbage collector callbacks")


def test_a_thread_ended_and_hooks_removed_before_training_are_accepted():
    """What a recipe may do: run a thread and set a profile hook before it trains, as long
    as both are gone when the counted steps run."""
    def before(arena):
        thread = threading.Thread(target=lambda: None)
        thread.start()
        thread.join()
        sys.setprofile(lambda frame, event, arg: None)
        sys.setprofile(None)
        return _compiled(arena, nb.AdamW(lr=0.01))
    s = nb.arena.run_seed(before, recipes.budget_for(), 0, evaluation="seed")
    assert nb.arena.SCORE_FLOOR < s.score


def test_what_the_process_started_with_is_the_reference(monkeypatch):
    """A hook installed before the recipe's process recorded (a coverage tool's, a
    debugger's) is accepted; only a change is refused. Outside a recipe's process nothing
    was recorded and nothing is checked."""
    beside = nb.arena.beside
    monkeypatch.setattr(beside, "_HELD", {})
    beside.check()                                      # nothing recorded: no check
    def hook(phase, info):
        pass
    gc.callbacks.append(hook)
    try:
        beside.record()
        beside.check()                                  # there when recorded: accepted
        beside.record()                                 # a second record changes nothing
        gc.callbacks.remove(hook)
        with pytest.raises(ValueError, match=r"gc.callbacks holds .*it held \[.*hook"):
            beside.check()
    finally:
        if hook in gc.callbacks:
            gc.callbacks.remove(hook)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no interval timers (Windows)")
def test_a_signal_handler_that_writes_in_when_a_timer_fires_is_refused():
    """A handler Python runs between two bytecodes of whatever the main thread runs: a
    profiling timer's, writing in once it fires inside the step."""
    def beside(arena):
        model = recipes.tiny_model(arena)
        pairs, done = model.gradient_pairs(), []

        def handler(signum, frame):
            if not done and inside_the_step(frame):
                _write_in(pairs)
                done.append(1)
        kept = signal.signal(signal.SIGPROF, handler)
        signal.setitimer(signal.ITIMER_PROF, 0.001, 0.001)
        try:
            x, y = arena.windows(recipes.BATCH * recipes.STEPS)
            model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, kept)
        return model
    _refused(beside, r"at a counted step signal.getsignal\(SIGPROF\) is <function .*handler "
                     r"at .*\(it was .*\); expected only the trace and profile hooks, "
                     r"signal handlers")


def test_a_numpy_error_callback_or_a_warnings_hook_that_writes_in_is_refused():
    """The sixteenth cold reading: ``np.seterrcall`` (with ``np.seterr(all="call")``), or
    ``warnings.showwarning`` (with ``all="warn"``), ran code of the recipe's inside a
    counted step once its update underflowed (``lr = 1e-320``), and wrote in weights trained
    elsewhere: scored 0.04 at 2·10⁸, signed and verified. The step now runs with NumPy's
    errors ignored, and both hooks (and ``sys.unraisablehook``) are checked as a profile
    hook is; the tiny rate itself is refused (tests/test_arena_settings.py)."""
    import warnings
    import numpy as np

    def with_hook(install, remove):
        def recipe(arena):
            model = _compiled(arena, nb.AdamW(lr=0.01))
            pairs = model.gradient_pairs()
            install(lambda *args, **kwargs: _write_in(pairs))
            try:
                x, y = arena.windows(recipes.BATCH * recipes.STEPS)
                model.fit(x, y, epochs=1, batch_size=recipes.BATCH, verbose=0, rng=arena.rng)
            finally:
                remove()
            return model
        return recipe
    old_err, old_call, old_show = np.geterr(), np.geterrcall(), warnings.showwarning

    def errcall(fn):
        np.seterr(all="call")
        np.seterrcall(fn)

    def reset():
        np.seterr(**old_err)
        np.seterrcall(old_call)
        warnings.showwarning = old_show
    _refused(with_hook(errcall, reset), r"numpy.geterrcall\(\) is <function")
    _refused(with_hook(lambda fn: setattr(warnings, "showwarning", fn), reset),
             r"warnings.showwarning is <function")
    _refused(with_hook(lambda fn: setattr(sys, "unraisablehook", fn),
                       lambda: setattr(sys, "unraisablehook", sys.__unraisablehook__)),
             r"sys.unraisablehook is <function")

