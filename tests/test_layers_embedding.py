"""Embedding and PositionalEmbedding (nnbook/layers/embedding.py): lookups and scatter-add
gradients worked by hand, integer ids through a model, float32, save/load and every error."""

import numpy as np
import pytest

import nnbook as nb
from nnbook.layers.embedding import scatter_add_rows

W3 = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])       # vocab 3, dim 2


def embedding(W=W3, **kw):
    layer = nb.Embedding(*W.shape, **kw)
    layer.params["W"][...] = W
    return layer


def test_a_lookup_is_one_hot_times_W():
    layer = embedding()
    ids = np.array([[2, 0], [1, 1]])
    y = layer.forward(ids)
    np.testing.assert_array_equal(y, [[[4, 5], [0, 1]], [[2, 3], [2, 3]]])
    np.testing.assert_array_equal(y, nb.data.one_hot(ids.ravel(), 3).reshape(2, 2, 3) @ W3)
    assert layer.forward(np.array([1, 2])).shape == (2, 2)         # (m,) ids → (m, dim)


def test_the_gradient_adds_up_over_repeated_ids():
    layer = embedding()
    ids = np.array([[1, 1, 0]])
    layer.forward(ids)
    dy = np.array([[[1.0, 2.0], [10.0, 20.0], [5.0, 6.0]]])
    assert layer.backward(dy) is None                               # ids have no gradient
    np.testing.assert_array_equal(layer.grads["W"], [[5, 6], [11, 22], [0, 0]])
    layer.forward(np.array([[2, 2, 2]]))                            # filled afresh, not added
    layer.backward(dy)
    np.testing.assert_array_equal(layer.grads["W"], [[0, 0], [0, 0], [16, 28]])


def test_scatter_add_rows_is_np_add_at():
    rng = np.random.default_rng(0)
    ids, rows = rng.integers(0, 7, 200), rng.standard_normal((200, 3))
    expected = np.zeros((9, 3))
    np.add.at(expected, ids, rows)
    np.testing.assert_allclose(scatter_add_rows(ids, rows, np.full((9, 3), np.nan)), expected)
    assert not scatter_add_rows(ids[:0], rows[:0], np.ones((2, 3))).any()


def test_check_gradients_reports_the_parameters_only():
    rng = np.random.default_rng(1)
    layer = nb.Embedding(4, 3, rng=rng)
    errors = nb.check_gradients(layer, np.array([[0, 3, 3], [1, 0, 3]]), rng=rng)
    assert set(errors) == {"W"} and errors["W"] < 1e-7
    model = nb.Sequential([nb.Embedding(4, 3, rng=rng), nb.Dense(3, 2, rng=rng)])
    errors = nb.check_gradients(model, np.array([[0, 3], [2, 2]]), rng=rng)
    assert set(errors) == {"0.W", "1.W", "1.b"} and max(errors.values()) < 1e-7


def test_positional_embedding_adds_a_row_per_position():
    layer = nb.PositionalEmbedding(3, 2)
    layer.params["W"][...] = W3
    x = np.ones((2, 2, 2))
    np.testing.assert_array_equal(layer.forward(x), [[[1, 2], [3, 4]]] * 2)
    dy = np.arange(8.0).reshape(2, 2, 2)
    np.testing.assert_array_equal(layer.backward(dy), dy)
    np.testing.assert_array_equal(layer.grads["W"], [[4, 6], [8, 10], [0, 0]])  # row 2 unused
    assert layer.forward(np.zeros((1, 3, 2))).shape == (1, 3, 2)             # T = max_len


def test_float32_layers_stay_float32():
    e = nb.Embedding(4, 3, dtype=np.float32, rng=np.random.default_rng(2))
    y = e.forward(np.array([[0, 3]], dtype=np.uint8))
    assert y.dtype == np.float32
    e.backward(np.ones((1, 2, 3)))                                   # float64 dy
    assert e.grads["W"].dtype == np.float32
    p = nb.PositionalEmbedding(4, 3, dtype=np.float32, rng=np.random.default_rng(3))
    assert p.forward(np.ones((1, 2, 3))).dtype == np.float32
    assert p.backward(np.ones((1, 2, 3))).dtype == np.float32


def test_a_model_gets_integer_ids_and_trains_on_them(tmp_path):
    rng = np.random.default_rng(4)
    ids = rng.integers(0, 5, (40, 1))
    y = (ids[:, 0] * 0.5)[:, None]                                  # a value per token
    model = nb.Sequential([nb.Embedding(5, 4, rng=rng), nb.Flatten(), nb.Dense(4, 1, rng=rng)])
    model.compile(nb.Adam(lr=0.05), "mse")
    first = model.evaluate(ids, y)
    model.fit(ids, y, epochs=30, batch_size=8, verbose=0, rng=rng)
    assert model.evaluate(ids, y) < first / 10
    assert model.predict(ids.tolist()).dtype == np.float64        # a list of ids works too
    back = nb.load_model(model.save(tmp_path / "emb"))
    assert [type(layer) for layer in back.layers] == [nb.Embedding, nb.Flatten, nb.Dense]
    np.testing.assert_array_equal(back.predict(ids), model.predict(ids))


def test_save_and_load_positional_embedding(tmp_path):
    rng = np.random.default_rng(5)
    model = nb.Sequential([nb.Embedding(6, 4, rng=rng), nb.PositionalEmbedding(5, 4, rng=rng)])
    ids = rng.integers(0, 6, (3, 5))
    back = nb.load_model(model.save(tmp_path / "pos"))
    np.testing.assert_array_equal(back.predict(ids), model.predict(ids))
    assert back.layers[1].get_config() == {"max_len": 5, "dim": 4}


# errors ------------------------------------------------------------------------------------------
def test_ids_must_be_integers_in_range():
    layer = embedding()
    with pytest.raises(ValueError, match=r"Embedding\(3 → 2\): expected integer token ids of shape "
                                         r"\(m, T\), got floats of shape \(1, 2\)\. .*ids\.astype\(int\)"):
        layer.forward(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"got values of dtype bool"):
        layer.forward(np.array([[True]]))
    with pytest.raises(ValueError, match=r"got the scalar 1\. Pass a batch"):
        layer.forward(np.array(1))
    with pytest.raises(ValueError, match=r"token id 3 at index \(1, 0\) is outside \[0, 3\) "
                                         r"\(vocab_size=3\)\. .*Embedding\(4, 2\) or larger"):
        layer.forward(np.array([[0, 1], [3, 0]]))
    with pytest.raises(ValueError, match=r"token id -1 at index \(0, 1\).*ids start at 0"):
        layer.forward(np.array([[0, -1]]))


def test_an_embedding_must_come_first():
    with pytest.raises(ValueError, match=r"layer 1 \(Embedding\(3 → 2\)\) takes integer token ids, "
                                         r"so it must be the model's first layer"):
        nb.Sequential([nb.Dense(2, 2), nb.Embedding(3, 2)])
    model = nb.Sequential([nb.Embedding(3, 2)])
    with pytest.raises(ValueError, match=r"expected integer token ids.*got floats"):
        model.predict(np.array([[0.0, 1.0]]))


def test_constructor_and_backward_errors():
    with pytest.raises(ValueError, match=r"Embedding: expected vocab_size to be an integer ≥ 1"):
        nb.Embedding(0, 2)
    with pytest.raises(ValueError, match=r"Embedding: expected dim to be an integer ≥ 1"):
        nb.Embedding(3, 2.5)
    with pytest.raises(ValueError, match=r"PositionalEmbedding: expected max_len"):
        nb.PositionalEmbedding(-1, 2)
    with pytest.raises(ValueError, match=r"expected rng to be a np.random.Generator"):
        nb.Embedding(3, 2, rng=0)
    with pytest.raises(ValueError, match=r"floating dtype"):
        nb.Embedding(3, 2, dtype=int)
    layer = embedding()
    with pytest.raises(ValueError, match=r"backward\(\) was called before forward\(\)"):
        layer.backward(np.zeros((1, 1, 2)))
    layer.forward(np.array([[0, 1]]))
    with pytest.raises(ValueError, match=r"expected dy of shape \(1, 2, 2\)"):
        layer.backward(np.zeros((1, 2, 3)))


def test_positional_embedding_errors():
    layer = nb.PositionalEmbedding(4, 3)
    with pytest.raises(ValueError, match=r"PositionalEmbedding\(4, 3\): got sequences of length "
                                         r"T = 6 \(input \(2, 6, 3\)\), but the table has max_len = 4"
                                         r" positions\. Make PositionalEmbedding\(6, 3\) or longer"):
        layer.forward(np.zeros((2, 6, 3)))
    with pytest.raises(ValueError, match=r"expected input of shape \(m, T, 3\).*got \(2, 4\)"):
        layer.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"expected samples of shape \(T, 3\) with T ≤ 4, got \(5, 3\)"):
        nb.Sequential([nb.Embedding(9, 3), layer], input_shape=(5,))
    with pytest.raises(ValueError, match=r"backward\(\) was called before forward\(\)"):
        layer.backward(np.zeros((1, 2, 3)))
    layer.forward(np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(1, 2, 3\)"):
        layer.backward(np.zeros((1, 3, 3)))


def test_output_shapes_and_config():
    model = nb.Sequential([nb.Embedding(7, 4), nb.PositionalEmbedding(8, 4), nb.Dense(4, 7)],
                          input_shape=(8,))
    assert model.output_shapes() == [(8, 4), (8, 4), (8, 7)]
    assert nb.Embedding(7, 4).get_config() == {"vocab_size": 7, "dim": 4}
    assert repr(nb.PositionalEmbedding(8, 4)) == "PositionalEmbedding(8, 4)"


def test_one_dimensional_ids_before_a_positional_embedding_are_named():
    model = nb.Sequential([nb.Embedding(10, 4), nb.PositionalEmbedding(6, 4)])
    with pytest.raises(ValueError, match=r"PositionalEmbedding\(6, 4\): expected input of shape "
                                         r"\(m, T, 4\) .*got \(6, 4\)\. Got one vector per sample: "
                                         r"were the ids 1-D, \(T,\)\? .*ids\[None\]"):
        model.predict(np.arange(6))
    assert model.predict(np.arange(6)[None]).shape == (1, 6, 4)
