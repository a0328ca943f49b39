"""nnbook.autodiff: hand-computed derivatives, finite differences as the oracle,
shared subexpressions that accumulate, the topological order, forward mode,
NumPy object arrays, the graph picture and the error messages."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nnbook as nb
from nnbook.autodiff import Dual, Value, draw_graph, gradients, values


def leaf(x, label=""):
    return Value(x, label=label)


# hand-computed derivatives -----------------------------------------------------------------
def test_one_neuron_by_hand():
    x, w, b = leaf(2.0), leaf(-0.5), leaf(0.25)
    out = (w * x + b).tanh()                      # tanh(−0.75)
    out.backward()
    t = math.tanh(-0.75)
    assert out.data == pytest.approx(t, abs=1e-15)
    assert w.grad == pytest.approx((1 - t ** 2) * 2.0, abs=1e-15)
    assert x.grad == pytest.approx((1 - t ** 2) * -0.5, abs=1e-15)
    assert b.grad == pytest.approx(1 - t ** 2, abs=1e-15)


@pytest.mark.parametrize("make, da, db", [
    (lambda a, b: a + b, lambda a, b: 1, lambda a, b: 1),
    (lambda a, b: a - b, lambda a, b: 1, lambda a, b: -1),
    (lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
    (lambda a, b: a / b, lambda a, b: 1 / b, lambda a, b: -a / b ** 2),
    (lambda a, b: 3.0 - a * b, lambda a, b: -b, lambda a, b: -a),
    (lambda a, b: 2.0 / a + b, lambda a, b: -2 / a ** 2, lambda a, b: 1),
    (lambda a, b: -a + 4 * b, lambda a, b: -1, lambda a, b: 4),
    (lambda a, b: a ** 3 * b, lambda a, b: 3 * a ** 2 * b, lambda a, b: a ** 3),
])
def test_binary_rules_by_hand(make, da, db):
    a, b = leaf(1.5), leaf(-0.8)
    out = make(a, b)
    out.backward()
    assert out.data == pytest.approx(make(1.5, -0.8), rel=1e-14)
    assert a.grad == pytest.approx(da(1.5, -0.8), rel=1e-14)
    assert b.grad == pytest.approx(db(1.5, -0.8), rel=1e-14)


@pytest.mark.parametrize("name, f, df, x", [
    ("exp", math.exp, math.exp, 0.7),
    ("log", math.log, lambda x: 1 / x, 0.7),
    ("tanh", math.tanh, lambda x: 1 - math.tanh(x) ** 2, -0.4),
    ("sigmoid", lambda x: 1 / (1 + math.exp(-x)), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2, 0.3),
    ("relu", lambda x: max(x, 0), lambda x: 1.0, 0.3),
    ("relu", lambda x: max(x, 0), lambda x: 0.0, -0.3),
])
def test_unary_rules_by_hand(name, f, df, x):
    a = leaf(x)
    out = getattr(a, name)()
    out.backward()
    assert out.data == pytest.approx(f(x), rel=1e-14, abs=1e-300)
    assert a.grad == pytest.approx(df(x), rel=1e-12)
    assert out.op == name and out.parents == (a,)


def test_sigmoid_does_not_overflow():
    assert Value(-800.0).sigmoid().data == 0.0
    assert Value(800.0).sigmoid().data == 1.0


# finite differences ------------------------------------------------------------------------
FLOAT = {"exp": math.exp, "log": math.log, "tanh": math.tanh,
         "sigmoid": lambda u: 1 / (1 + math.exp(-u)), "relu": lambda u: max(u, 0.0)}


def f(name, u):
    """u.name() for a Value or a Dual, the plain function for a float."""
    return getattr(u, name)() if isinstance(u, (Value, Dual)) else FLOAT[name](u)


def expression(x, y, z):
    """Every operation once, on Values, Duals or floats alike."""
    s = f("tanh", x * y + z / (1.5 + y ** 2))
    return f("exp", s * s) - f("log", x ** 2 + 1) * f("sigmoid", y - z) + f("relu", z + 0.3) / 2


def numeric_gradient(f, point, eps=1e-6):
    grads = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += eps
        down[i] -= eps
        grads.append((f(*up) - f(*down)) / (2 * eps))
    return np.array(grads)


@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_backward_matches_finite_differences(point):
    # keep away from relu's kink at z = −0.3, where the derivative jumps
    point[2] = point[2] if abs(point[2] + 0.3) > 1e-3 else 0.5
    leaves = [leaf(p) for p in point]
    out = expression(*leaves)
    out.backward()
    assert out.data == pytest.approx(expression(*point), rel=1e-12)
    got = np.array([v.grad for v in leaves])
    assert np.allclose(got, numeric_gradient(expression, point), rtol=1e-5, atol=1e-7)


@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_forward_mode_matches_reverse_mode(point):
    point[2] = point[2] if abs(point[2] + 0.3) > 1e-3 else 0.5
    leaves = [leaf(p) for p in point]
    expression(*leaves).backward()
    for i in range(3):                               # one forward pass per input
        duals = [Dual(p, 1.0 if j == i else 0.0) for j, p in enumerate(point)]
        out = expression(*duals)
        assert out.data == pytest.approx(expression(*point), rel=1e-12)
        assert out.tangent == pytest.approx(leaves[i].grad, rel=1e-10, abs=1e-12)


def test_dual_rules_by_hand():
    d = Dual(2.0, 1.0)
    assert (d * d).tangent == 4.0 and (3 - d).tangent == -1.0 and (-d).tangent == -1.0
    assert (1 / d).tangent == pytest.approx(-0.25) and (d / 4).tangent == 0.25
    assert (d ** 3).tangent == 12.0 and (d + 1).data == 3.0
    assert d.exp().tangent == pytest.approx(math.exp(2.0))
    assert repr(Dual(0.5, 2)) == "Dual(data=0.5, tangent=2)"


# the graph: shared subexpressions and the order ----------------------------------------------
def test_a_value_used_twice_gets_both_shares():
    a = leaf(3.0)
    out = a * a                                      # ∂(a²)/∂a = 2a, one share a from each side
    out.backward()
    assert a.grad == 6.0
    b = leaf(-2.0)
    c = b + b + b
    c.backward()
    assert b.grad == 3.0


def test_a_shared_subexpression_accumulates_before_it_passes_on():
    x = leaf(0.5)
    h = x.tanh()                                     # used by two branches
    out = h * 2.0 + h.exp()
    out.backward()
    t = math.tanh(0.5)
    assert h.grad == pytest.approx(2.0 + math.exp(t), rel=1e-14)
    assert x.grad == pytest.approx((2.0 + math.exp(t)) * (1 - t ** 2), rel=1e-14)


def test_topological_order_puts_every_node_after_its_parents():
    x, y = leaf(1.0, "x"), leaf(2.0, "y")
    h = x * y
    out = (h + x).tanh() * h
    order = out.topological_order()
    position = {id(n): i for i, n in enumerate(order)}
    assert len(order) == len(position) == 6          # x, y, h, h + x, tanh, out: each once
    assert order[-1] is out
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node.parents)


def test_topological_order_of_a_deep_chain_needs_no_recursion():
    v = x = leaf(0.1)
    for _ in range(5000):                            # deeper than Python's recursion limit
        v = v * 1.0 + 0.0
    v.backward()
    assert x.grad == 1.0 and len(v.topological_order()) == 1 + 5000 * 4


def test_backward_twice_gives_the_same_grads():
    a, b = leaf(1.2), leaf(0.4)
    out = (a * b).sigmoid() + a
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == first
    assert out.grad == 1.0


# NumPy object arrays: a network's row form, entry by entry ---------------------------------------
def test_a_dense_tanh_network_matches_nnbook_backward():
    rng = np.random.default_rng(14)
    model = nb.Sequential([nb.Dense(2, 3, rng=rng), nb.Tanh(), nb.Dense(3, 1, rng=rng), nb.Tanh()])
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    mse = nb.MSE()
    out = model.forward(X)
    model.backward(mse.grad(Y, out))
    W1, b1 = values(model.layers[0].params["W"], "W1"), values(model.layers[0].params["b"], "b1")
    W2, b2 = values(model.layers[2].params["W"], "W2"), values(model.layers[2].params["b"], "b2")
    Y_hat = np.tanh(np.tanh(X @ W1 + b1) @ W2 + b2)  # (4, 1) Values
    E = np.sum((Y_hat - Y) ** 2) / Y_hat.size
    E.backward()
    assert E.data == pytest.approx(mse(Y, out), rel=1e-13)
    for mine, layer, key in [(W1, 0, "W"), (b1, 0, "b"), (W2, 2, "W"), (b2, 2, "b")]:
        assert np.allclose(gradients(mine), model.layers[layer].grads[key], rtol=0, atol=1e-12)


def test_values_labels_and_gradients_shape():
    W = values(np.arange(6.0).reshape(2, 3), "W")
    assert W.shape == (2, 3) and W.dtype == object
    assert W[1, 2].label == "W[1, 2]" and W[1, 2].data == 5.0
    assert gradients(W).shape == (2, 3) and not gradients(W).any()


# the picture -------------------------------------------------------------------------------
def test_draw_graph_puts_inputs_left_of_what_they_feed_and_labels_every_node():
    x, w, b = leaf(2.0, "x"), leaf(-0.5, "w"), leaf(0.25, "b")
    out = (w * x + b).tanh()
    out.backward()
    fig, ax = plt.subplots(figsize=(8, 3))
    assert draw_graph(out, ax=ax) is ax
    boxes = {t.get_gid(): t for t in ax.texts if t.get_gid()}
    assert set(boxes) == {"x", "w", "b", "*", "+", "tanh"}
    for node in out.topological_order():
        name = node.label or node.op
        assert f"data {node.data:.3f}" in boxes[name].get_text()
        for parent in node.parents:
            assert boxes[parent.label or parent.op].get_position()[0] < boxes[name].get_position()[0]
    edge_labels = [t.get_text() for t in ax.texts if not t.get_gid() and t.get_text()]
    assert sorted(edge_labels) == sorted(["2", "-0.5", "1", "1", f"{1 - math.tanh(-0.75) ** 2:.3g}"])
    assert ax.get_title().startswith("Computation graph")
    plt.close(fig)


def test_draw_graph_refuses_a_graph_too_big_to_read():
    v = leaf(1.0)
    for _ in range(20):
        v = v * 2.0
    with pytest.raises(ValueError, match=r"draw_graph: the graph has 41 nodes, more than max_nodes=30"):
        draw_graph(v)


# errors ------------------------------------------------------------------------------------
def test_errors_name_what_was_received_and_the_fix():
    with pytest.raises(ValueError, match=r"Value: expected a real number, got str 'a'"):
        Value("a")
    with pytest.raises(ValueError, match=r"Value: got 1 parents and 2 local derivatives"):
        Value(1.0, (leaf(1.0),), (1.0, 2.0))
    with pytest.raises(ValueError, match=r"Value \*\* n: expected a number n .*got Value.*\(b \* a.log\(\)\).exp\(\)"):
        leaf(2.0) ** leaf(3.0)
    with pytest.raises(ValueError, match=r"log: expected a positive number, got -1.0"):
        leaf(-1.0).log()
    with pytest.raises(ValueError, match=r"Dual: expected a real number, got list"):
        Dual([1.0])
    with pytest.raises(TypeError):
        leaf(1.0) + "2"                              # not a number: Python's own TypeError


def test_repr_shows_label_data_and_grad():
    assert repr(Value(0.5)) == "Value(data=0.5, grad=0)"
    assert repr(Value(0.5, label="w1")) == "Value('w1', data=0.5, grad=0)"


def test_nnbook_exports_autodiff():
    assert "autodiff" in nb.__all__ and nb.autodiff.Value is Value


def test_local_derivatives_must_be_numbers():
    a = leaf(2.0)
    with pytest.raises(ValueError, match=r"Value \(a local derivative\): expected a real number, got Value.*from \.data"):
        Value(4.0, (a,), (a * 2,))


# powers at their edges -----------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 0.0, np.int64(0)])
def test_zero_to_the_power_zero_is_one_with_slope_zero(n):
    a = leaf(0.0)
    c = a ** n
    c.backward()
    assert c.data == 1.0 and c.local_grads == (0.0,) and a.grad == 0.0
    d = Dual(0.0, 1.0) ** n
    assert (d.data, d.tangent) == (1.0, 0.0)


@pytest.mark.parametrize("x", [-2.5, 0.0, 3.0])
def test_any_base_to_the_power_zero_is_a_constant(x):
    a = leaf(x)
    (a ** 0 * 5 + a).backward()
    assert a.grad == 1.0 and not math.isnan(a.grad)


def test_a_negative_base_takes_whole_powers():
    a = leaf(-2.0)
    c = a ** 3
    c.backward()
    assert c.data == -8.0 and a.grad == 12.0
    assert (leaf(-2.0) ** 2.0).data == 4.0 and (Dual(-2.0, 1.0) ** -1).tangent == -0.25


@pytest.mark.parametrize("owner, make", [("Value", leaf), ("Dual", Dual)])
@pytest.mark.parametrize("n", [0.5, -1.5, 1 / 3])
def test_a_negative_base_to_a_fractional_power_names_both(owner, make, n):
    with pytest.raises(ValueError, match=rf"{owner} \*\* n: a negative base -8 to the non-integer power "
                                         rf"{n:g} is not a real number\. Raise a positive base"):
        make(-8.0) ** n


@pytest.mark.parametrize("owner, make", [("Value", leaf), ("Dual", Dual)])
@pytest.mark.parametrize("n, what", [(-1, "0 \\*\\* n is infinite"), (0.5, "the slope n·0\\^\\(n−1\\) is infinite")])
def test_zero_to_a_power_below_one_names_the_exponent(owner, make, n, what):
    with pytest.raises(ValueError, match=rf"{owner} \*\* n: the base is 0 and the exponent {n:g} < 1, where "
                                         rf"{what}\. Keep the base away from 0"):
        make(0.0) ** n


def test_dual_power_checks_its_exponent():
    with pytest.raises(ValueError, match=r"Dual \*\* n: expected a number n .*got Dual"):
        Dual(2.0) ** Dual(3.0)


# the package ---------------------------------------------------------------------------------
def test_the_public_names_are_where_they_were():
    import nnbook.autodiff as autodiff

    assert set(autodiff.__all__) >= {"Value", "Dual", "values", "gradients", "draw_graph", "UNARY"}
    assert sorted(autodiff.UNARY) == ["exp", "log", "relu", "sigmoid", "tanh"]
    assert nb.autodiff.UNARY is autodiff.rules.UNARY
    for name in autodiff.__all__:
        assert getattr(nb.autodiff, name) is getattr(autodiff, name)


def test_notebook_14_prints_the_same_source():
    """Notebook 14 prints these methods with inspect.getsource: their text is its output."""
    import inspect
    import json
    from pathlib import Path

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "14_automatic_differentiation.ipynb"
    printed = "".join(t for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
                      if cell["cell_type"] == "code" for out in cell.get("outputs", [])
                      for t in out.get("text", []))
    for method in (Value.__mul__, Value._unary, Value.backward):
        assert inspect.getsource(method) in printed, method.__name__
