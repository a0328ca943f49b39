"""Tests of nnbook/kernels/conv.py (and the rules of nnbook/layers/conv/rules.py) through
the layers that run on them: padding "valid"/"same" (Keras' asymmetric rule) for Conv2D
and both pools, checked by hand and against the readable conv_impl on an explicitly
padded image; the shared size check; Keras spellings; empty batches; float32 throughout."""

import numpy as np
import pytest

import nnbook as nb
from nnbook import conv_impl


# same_padding: Keras' rule ------------------------------------------------------------------------------
@pytest.mark.parametrize("n, f, s, want", [
    (28, 3, 1, (1, 1)), (28, 3, 2, (0, 1)), (5, 3, 2, (1, 1)), (4, 2, 2, (0, 0)), (6, 4, 1, (1, 2)),
    (7, 5, 3, (2, 2)), (4, 1, 3, (0, 0)), (1, 3, 1, (1, 1)), (6, 3, 2, (0, 1)),
])
def test_same_padding_by_hand(n, f, s, want):
    # output ⌈n/s⌉, total = max((⌈n/s⌉ − 1)·s + f − n, 0), the extra zero after
    assert nb.same_padding(n, f, s) == want
    before, after = want
    assert (n + before + after - f) // s + 1 == -(-n // s)


def test_the_formulas_live_in_one_public_module():
    """``output_size`` and ``same_padding`` are written once, in the public conv_impl (the
    layers and the top level re-export them), and so is the rule of the window copy."""
    from nnbook import conv_impl
    from nnbook.layers import conv
    from nnbook.kernels import conv as engine
    assert nb.same_padding is conv.same_padding is conv_impl.same_padding
    assert nb.output_size is conv.output_size is conv_impl.output_size
    assert engine.copies_by_tap is conv_impl.copies_by_tap
    assert "same_padding" in conv_impl.__all__ and "output_size" in conv_impl.__all__


def padded(x, f, s):
    """x with Keras' "same" zeros, added explicitly with np.pad."""
    (t, b), (l, r) = nb.same_padding(x.shape[1], f, s), nb.same_padding(x.shape[2], f, s)
    return np.pad(x, ((0, 0), (t, b), (l, r), (0, 0))), (t, l)


# Conv2D ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("h, w, c_in, f, s", [
    (6, 6, 1, 3, 1), (6, 6, 3, 3, 2), (5, 7, 2, 3, 2), (8, 8, 4, 2, 2), (6, 5, 2, 4, 1),
    (7, 7, 1, 5, 3), (4, 6, 3, 1, 2), (9, 8, 8, 3, 1),
])
def test_conv_same_matches_the_loops_on_an_explicitly_padded_image(h, w, c_in, f, s):
    rng = np.random.default_rng(h * 100 + w * 10 + f)
    layer = nb.Conv2D(c_in, 3, f, stride=s, padding="same", rng=rng)
    layer.params["b"][...] = rng.standard_normal(3)
    x = rng.standard_normal((2, h, w, c_in))
    xp, (t, l) = padded(x, f, s)
    y = layer.forward(x)
    assert y.shape == (2, -(-h // s), -(-w // s), 3)
    np.testing.assert_allclose(y, conv_impl.forward_loops(xp, layer.params["W"], layer.params["b"], s), atol=1e-12)
    dy = rng.standard_normal(y.shape)
    dxp, dW, db = conv_impl.backward_loops(dy, xp, layer.params["W"], s)
    np.testing.assert_allclose(layer.backward(dy), dxp[:, t:t + h, l:l + w], atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], dW, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], db, atol=1e-12)


@pytest.mark.parametrize("h, w, f, p", [
    (5, 6, 3, 1), (5, 6, 1, 2), (4, 4, 2, 3), (6, 5, 3, 0), (4, 5, 4, 1), (3, 3, 3, 2), (5, 4, 4, "same"),
])
def test_stride_1_dx_on_the_shared_padding_grid_matches_the_loops(h, w, f, p):
    # stride 1 with c_in > 1 adds ∂E/∂x on a grid where one image's bottom padding
    # is the next one's top padding (kernels/conv_dx.py, dx_grid): several images, padding
    # smaller, equal to and larger than f − 1, and Keras' uneven "same"
    rng = np.random.default_rng(h * 1000 + w * 100 + f * 10 + (p if isinstance(p, int) else 9))
    layer = nb.Conv2D(3, 2, f, padding=p, rng=rng)
    x = rng.standard_normal((4, h, w, 3))
    if p == "same":
        xp, (t, l) = padded(x, f, 1)
    else:
        xp, (t, l) = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0))), (p, p)
    y = layer.forward(x)
    dy = rng.standard_normal(y.shape)
    dxp, dW, _ = conv_impl.backward_loops(dy, xp, layer.params["W"], 1)
    np.testing.assert_allclose(layer.backward(dy), dxp[:, t:t + h, l:l + w], atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], dW, atol=1e-12)


@pytest.mark.parametrize("h, w, f, p", [
    (5, 7, 3, 1), (3, 3, 5, 2), (2, 2, 5, "same"), (6, 6, 4, "same"), (5, 4, 2, "same"), (1, 1, 3, 1),
    (3, 8, 7, 3), (9, 2, 3, "same"), (4, 4, 1, 0),
])
@pytest.mark.parametrize("dtype, tol", [("float64", 1e-12), ("float32", 1e-4)])
def test_same_size_dx_on_the_images_own_pixels_matches_the_loops(h, w, f, p, dtype, tol):
    # when y has x's size (stride 1, f − 1 zeros per axis) ∂E/∂x is summed on x's own
    # pixels, and the shares that would wrap into the next row or image are zeroed
    # first (kernels/conv_dx.py, same_plan): kernels wider than the image, even kernels with
    # Keras' uneven zeros, one pixel, 1×1 kernels; a second backward gives the same
    rng = np.random.default_rng(h * 1000 + w * 100 + f * 10 + (p if isinstance(p, int) else 9))
    layer = nb.Conv2D(3, 2, f, padding=p, rng=rng, dtype=dtype)
    x = rng.standard_normal((3, h, w, 3)).astype(dtype)
    if p == "same":
        xp, (t, l) = padded(x, f, 1)
    else:
        xp, (t, l) = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0))), (p, p)
    y = layer.forward(x)
    assert y.shape == (3, h, w, 2)
    dy = rng.standard_normal(y.shape).astype(dtype)
    dxp, dW, db = conv_impl.backward_loops(dy.astype(float), xp.astype(float),
                                           layer.params["W"].astype(float), 1)
    dx = layer.backward(dy)
    assert dx.dtype == dtype and dx.flags.c_contiguous
    np.testing.assert_allclose(dx, dxp[:, t:t + h, l:l + w], atol=tol)
    np.testing.assert_allclose(layer.grads["W"], dW, atol=tol)
    np.testing.assert_allclose(layer.grads["b"], db, atol=tol)
    np.testing.assert_array_equal(layer.backward(dy), dx)        # X_col is rebuilt after dx used its memory
    np.testing.assert_allclose(layer.grads["W"], dW, atol=tol)


@pytest.mark.parametrize("padding, stride", [(0, 1), (0, 2), (1, 1), ("same", 2)])
def test_conv_input_layout_does_not_change_the_result(padding, stride):
    # im2col copies window rows as whole byte runs when x is C-ordered; a strided,
    # Fortran-ordered or read-only x must give the same numbers
    rng = np.random.default_rng(7)
    layer = nb.Conv2D(4, 3, 3, stride=stride, padding=padding, rng=rng, dtype=np.float32)
    x = rng.standard_normal((3, 9, 10, 4)).astype(np.float32)
    want = layer.forward(x).copy()
    wide = np.zeros((3, 9, 20, 4), np.float32)
    wide[:, :, ::2] = x
    frozen = x.copy()
    frozen.flags.writeable = False
    for same_x in (wide[:, :, ::2], np.asfortranarray(x), frozen):
        np.testing.assert_array_equal(layer.forward(same_x), want)
    if padding == "same":
        xp = padded(x, 3, stride)[0]
    else:
        xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    np.testing.assert_allclose(want, conv_impl.forward_loops(xp, layer.params["W"], layer.params["b"], stride),
                               atol=1e-5)


def test_conv_same_stride_2_even_size_pads_bottom_right_only():
    # 4×4 image of ones, 3×3 kernel of ones, stride 2: pads (0, 1), so the first
    # window sees 9 pixels, the last row/column windows 6 and the corner 4.
    layer = nb.Conv2D(1, 1, 3, stride=2, padding="same", init=lambda shape, *_: np.ones(shape))
    y = layer.forward(np.ones((1, 4, 4, 1)))[0, :, :, 0]
    np.testing.assert_array_equal(y, [[9, 6], [6, 4]])


def test_valid_is_padding_zero_and_config_round_trips():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 6, 2))
    a = nb.Conv2D(2, 3, 3, padding="valid", rng=np.random.default_rng(0))
    b = nb.Conv2D(2, 3, 3, padding=0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(a.forward(x), b.forward(x))
    same = nb.Conv2D(2, 3, 3, stride=2, padding="SAME", rng=rng)
    assert same.padding == "same" and same.get_config()["padding"] == "same"
    assert repr(same) == "Conv2D(2 → 3, 3×3, stride=2, padding='same')"
    assert nb.Conv2D(**same.get_config()).output_shape((6, 5, 2)) == (3, 3, 3)
    assert same.output_shape((None, 7, 2)) == (None, 4, 3)


def test_same_padding_model_saves_and_loads(tmp_path):
    rng = np.random.default_rng(5)
    model = nb.Sequential([nb.Conv2D(1, 2, 3, stride=2, padding="same", rng=rng), nb.ReLU(),
                           nb.MaxPool2D(2, padding="same"), nb.AvgPool2D(3, stride=1, padding="same"),
                           nb.Flatten(), nb.Dense(8, 2, rng=rng)], input_shape=(7, 8, 1))
    x = rng.standard_normal((3, 7, 8, 1))
    loaded = nb.load_model(model.save(tmp_path / "same"))
    assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


# pools ------------------------------------------------------------------------------------------------------
X3 = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)          # all negative: a zero pad would win a max


def test_maxpool_same_never_picks_a_padded_cell():
    pool = nb.MaxPool2D(2, padding="same")               # 3×3, stride 2: pads (0, 1) on each axis
    y = pool.forward(X3)
    np.testing.assert_array_equal(y[0, :, :, 0], [[-1, -3], [-7, -9]])
    dx = pool.backward(np.ones_like(y))
    np.testing.assert_array_equal(dx[0, :, :, 0], [[1, 0, 1], [0, 0, 0], [1, 0, 1]])


def test_avgpool_same_divides_by_the_image_pixels_of_each_window():
    pool = nb.AvgPool2D(2, padding="same")
    y = pool.forward(X3)
    np.testing.assert_allclose(y[0, :, :, 0], [[-3, -4.5], [-7.5, -9]])   # 4, 2, 2 and 1 pixels
    dx = pool.backward(np.ones_like(y))
    np.testing.assert_allclose(dx[0, :, :, 0], [[.25, .25, .5], [.25, .25, .5], [.5, .5, 1]])


def test_pools_integer_padding_matches_same_at_stride_1():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 4, 3)) - 3
    for cls in (nb.MaxPool2D, nb.AvgPool2D):
        a, b = cls(3, stride=1, padding=1), cls(3, stride=1, padding="same")
        np.testing.assert_allclose(a.forward(x), b.forward(x))
        dy = rng.standard_normal(a.forward(x).shape)
        np.testing.assert_allclose(a.backward(dy), b.backward(dy))
    corner = x[0, :2, :2, 0].mean()
    assert np.isclose(nb.AvgPool2D(3, stride=1, padding=1).forward(x)[0, 0, 0, 0], corner)


@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
@pytest.mark.parametrize("h, w, f, s", [(6, 6, 2, 2), (5, 5, 2, 2), (7, 4, 3, 2), (4, 4, 3, 1), (5, 6, 3, 3)])
def test_pool_same_shapes_and_config(cls, h, w, f, s):
    pool = cls(f, stride=s, padding="same")
    y = pool.forward(np.ones((2, h, w, 3)))
    assert y.shape == (2, -(-h // s), -(-w // s), 3) == (2,) + pool.output_shape((h, w, 3))
    if cls is nb.AvgPool2D:
        np.testing.assert_allclose(y, 1.0)                 # the mean of ones is 1 whatever the padding
    assert pool.get_config() == {"pool_size": f, "stride": s, "padding": "same"}
    assert repr(pool) == f"{cls.__name__}({f}×{f}, stride={s}, padding='same')"
    assert pool.backward(np.ones_like(y)).shape == (2, h, w, 3)


@pytest.mark.parametrize("cls", [nb.MaxPool2D, nb.AvgPool2D])
def test_pool_padding_errors(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"{name}: expected padding ≤ pool_size // 2 = 1, got 2"):
        cls(2, padding=2)
    with pytest.raises(ValueError, match=rf"{name}: expected padding to be an integer ≥ 0, 'valid' or 'same', "
                                         r"got 'full'"):
        cls(2, padding="full")
    with pytest.raises(ValueError, match=r"the 3×3 window is larger than the padded image: height "
                                         r"0 \+ 2·1 = 2 < 3 \(input \(1, 0, 4, 1\)\)\. Use a smaller pool_size"):
        cls(3, stride=1, padding=1).forward(np.ones((1, 0, 4, 1)))


# Keras spellings ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, match", [
    (lambda: nb.Conv2D(filters=8, kernel_size=3), r"Conv2D: got filters=8 \(Keras' spelling\); nnbook writes c_out"),
    (lambda: nb.Conv2D(1, 8, 3, strides=2), r"Conv2D: got strides=2 \(Keras' spelling\); nnbook writes stride=2\."),
    (lambda: nb.Conv2D(1, 8, 3, activation="relu"), r"activation='relu' .*nb\.ReLU\(\)"),
    (lambda: nb.Conv2D(32, (3, 3)), r"Conv2D: got Conv2D\(32, \(3, 3\)\), Keras' \(filters, kernel_size\); "
                                    r"nnbook's Conv2D takes \(c_in, c_out, kernel_size\), e\.g\. Conv2D\(1, 32, 3\)"),
    (lambda: nb.Conv2D(1, 8, (3, 5)), r"Conv2D: expected kernel_size to be one integer \(square windows\), "
                                      r"got \(3, 5\)"),
    (lambda: nb.Conv2D(1, 8, 3, bogus=1), r"Conv2D: got an unexpected argument bogus="),
    (lambda: nb.MaxPool2D(pool_size=(2, 2), strides=2), r"MaxPool2D: got strides=2 \(Keras' spelling\); "
                                                        r"nnbook writes stride=2\."),
    (lambda: nb.AvgPool2D(2, data_format="channels_first"), r"AvgPool2D: got data_format="),
])
def test_keras_spellings_name_nnbooks(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_square_keras_tuples_are_accepted():
    assert nb.Conv2D(1, 8, (3, 3), stride=(2, 2)).get_config()["kernel_size"] == 3
    assert nb.MaxPool2D(pool_size=(2, 2)).pool_size == 2


# careless input ---------------------------------------------------------------------------------------------
LAYERS = [
    lambda dt: nb.Conv2D(3, 4, 3, padding="same", dtype=dt, rng=np.random.default_rng(0)),
    lambda dt: nb.Conv2D(3, 4, 3, stride=2, padding="same", dtype=dt, rng=np.random.default_rng(0)),
    lambda dt: nb.Conv2D(1, 4, 3, padding=1, dtype=dt, rng=np.random.default_rng(0)),
    lambda dt: nb.Conv2D(3, 2, 2, dtype=dt, rng=np.random.default_rng(0)),
    lambda dt: nb.MaxPool2D(2), lambda dt: nb.MaxPool2D(3, stride=2, padding="same"),
    lambda dt: nb.AvgPool2D(2), lambda dt: nb.AvgPool2D(3, stride=1, padding=1),
]


@pytest.mark.parametrize("make", LAYERS)
def test_a_batch_of_zero_images(make):
    layer = make(np.float64)
    c = getattr(layer, "c_in", 3)
    y = layer.forward(np.zeros((0, 6, 6, c)))
    assert y.shape == (0,) + layer.output_shape((6, 6, c))
    assert layer.backward(np.zeros(y.shape)).shape == (0, 6, 6, c)


@pytest.mark.parametrize("make", LAYERS)
def test_float32_stays_float32(make):
    layer = make(np.float32)
    c = getattr(layer, "c_in", 3)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7, 6, c)).astype(np.float32)
    y = layer.forward(x)
    assert y.dtype == np.float32
    dx = layer.backward(rng.standard_normal(y.shape).astype(np.float32))
    assert dx.dtype == np.float32 and dx.shape == x.shape
    assert all(g.dtype == np.float32 for g in layer.grads.values())
    ref = make(np.float64)
    if "W" in layer.params:
        ref.params["W"][...] = layer.params["W"]
    np.testing.assert_allclose(y, ref.forward(x.astype(np.float64)), rtol=1e-4, atol=1e-5)


def test_shared_size_check_names_the_layer():
    with pytest.raises(ValueError, match=r"Conv2D\(1 → 1, 3×3, stride=1, padding='valid'\): the 3×3 kernel is "
                                         r"larger than the padded image: height 2 \+ 2·0 = 2 < 3"):
        nb.Conv2D(1, 1, 3, padding="valid").forward(np.zeros((1, 2, 5, 1)))
    # "same" always fits
    assert nb.Conv2D(1, 1, 5, padding="same").forward(np.zeros((1, 2, 1, 1))).shape == (1, 2, 1, 1)
    assert nb.MaxPool2D(4, padding="same").forward(np.zeros((1, 2, 1, 1))).shape == (1, 1, 1, 1)
