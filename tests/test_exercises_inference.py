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


def cache_bytes_in_steps(n_layers, n_heads, n_kv_heads, d_head, T, m, itemsize):
    per_position = 2 * n_kv_heads * d_head * itemsize          # a key and a value
    return n_layers * per_position * T * m


@pytest.mark.parametrize("ex_id, answer", [("21.1", cache_step_with_concatenate),
                                           ("21.2", top_p_with_a_loop),
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
