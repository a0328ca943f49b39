"""Chapter 21's exercises (nnbook/exercises/inference.py) beyond the shared checks of
test_exercises.py: other right answers are accepted, and the checker hands the learner's
function only plain arrays and numbers, nothing that holds the answer (no layer with a
cache, no filter)."""

import numpy as np
import pytest

from nnbook import exercises

from exercise_solutions_inference import RIGHT


def cache_step_with_concatenate(q, k_new, v_new, K, V):
    K = np.concatenate([K, k_new.reshape(1, -1)])
    V = np.concatenate([V, v_new.reshape(1, -1)])
    w = np.exp(K @ q / np.sqrt(q.shape[0]))          # no max subtracted: fine at these sizes
    return (w / w.sum()) @ V, K, V


def top_p_with_a_loop(probs, p):
    q, total = np.zeros_like(probs), 0.0
    for i in sorted(range(len(probs)), key=lambda j: -probs[j]):
        if total >= p - 1e-12:
            break
        q[i] = probs[i]
        total += probs[i]
    return q / q.sum()


def top_p_ties_the_other_way(probs, p):
    """Equal probabilities sorted with the HIGHER id first (the task states no tie rule:
    of four tokens of 0.25 with p = 0.6 any three are the smallest set)."""
    order = np.lexsort((-np.arange(len(probs)), -probs))
    before = np.cumsum(probs[order]) - probs[order]
    keep = np.zeros(len(probs), dtype=bool)
    keep[order] = before < p - 1e-12
    q = np.where(keep, probs, 0.0)
    return q / q.sum()


def cache_bytes_in_steps(n_layers, n_heads, n_kv_heads, d_head, T, m, itemsize):
    per_position = 2 * n_kv_heads * d_head * itemsize          # a key and a value
    return n_layers * per_position * T * m


@pytest.mark.parametrize("ex_id, answer", [("21.1", cache_step_with_concatenate),
                                           ("21.2", top_p_with_a_loop),
                                           ("21.2", top_p_ties_the_other_way),
                                           ("21.3", cache_bytes_in_steps)])
def test_other_right_answers_are_accepted(ex_id, answer):
    feedback = exercises.check(ex_id, answer)
    assert feedback.correct, str(feedback)


@pytest.mark.parametrize("ex_id", ["21.1", "21.2", "21.3"])
def test_the_checker_hands_over_nothing_that_holds_the_answer(ex_id):
    seen = []

    def spy(*args):
        seen.append(args)
        return RIGHT[ex_id](*args)

    assert exercises.check(ex_id, spy).correct
    assert len(seen) >= 4
    for args in seen:
        assert all(type(a) in (np.ndarray, int, float) for a in args), \
            [type(a).__name__ for a in args]


def test_a_tie_broken_wrongly_is_still_refused():
    """Accepting either side of a tie is not accepting any set: a set that keeps a less
    probable token over a more probable one, or too many, is refused."""
    def keeps_the_least(probs, p):
        q = RIGHT["21.2"](probs, p)
        if np.allclose(probs, 0.25):
            q = np.array([0.0, 1 / 3, 1 / 3, 1 / 3])
        worst = np.argsort(probs)[0]
        if q[worst] == 0 and not np.allclose(probs, 0.25):
            best = np.argsort(-probs, kind="stable")[0]
            q = np.where(np.arange(len(probs)) == best, 0.0, q)
            q[worst] = probs[worst]
            q = q / q.sum()
        return q
    assert not exercises.check("21.2", keeps_the_least).correct
