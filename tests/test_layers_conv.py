"""Tests of nnbook/layers/conv/conv2d.py and nnbook/conv_impl.py: output_size, Conv2D and the
three convolution implementations (hand-computed values, shapes, agreement,
gradients against finite differences, float32, saving, every error message)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnbook as nb
from nnbook import conv_impl

# The notes' 6×6 image and vertical edge filter (file 002), and the 4×4 result.
A = np.array([[3, 0, 1, 2, 7, 4],
              [1, 5, 8, 9, 3, 1],
              [2, 7, 2, 5, 1, 3],
              [0, 1, 3, 1, 7, 8],
              [4, 2, 1, 6, 2, 8],
              [2, 4, 5, 2, 3, 9]], dtype=float)
VERTICAL = np.array([[1, 0, -1]] * 3, dtype=float)
A_VERTICAL = np.array([[-5, -4, 0, 8],
                       [-10, -2, 2, 3],
                       [0, -2, -4, -7],
                       [-3, -2, -3, -16]], dtype=float)


def conv_with(kernel, **kwargs):
    """A 1 → 1 channel Conv2D whose filter is ``kernel`` (f×f) and bias 0."""
    f = kernel.shape[0]
    layer = nb.Conv2D(1, 1, f, rng=np.random.default_rng(0), **kwargs)
    layer.params["W"][:, :, 0, 0] = kernel
    return layer


@st.composite
def conv_case(draw, max_side=6):
    """A random problem: (x, W, b, dy, stride, padding), float64."""
    f = draw(st.integers(1, 4))
    p = draw(st.integers(0, 2))
    s = draw(st.integers(1, 3))
    low = max(1, f - 2 * p)                            # the kernel must fit the padded image
    m, h, w = draw(st.integers(1, 3)), draw(st.integers(low, max_side)), draw(st.integers(low, max_side))
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    h_o, w_o = nb.output_size(h, f, p, s), nb.output_size(w, f, p, s)
    return (rng.standard_normal((m, h, w, c_in)), rng.standard_normal((f, f, c_in, c_out)),
            rng.standard_normal(c_out), rng.standard_normal((m, h_o, w_o, c_out)), s, p)


def layer_for(W, b, s, p, dtype=np.float64):
    f, _, c_in, c_out = W.shape
    layer = nb.Conv2D(c_in, c_out, f, stride=s, padding=p, rng=np.random.default_rng(0), dtype=dtype)
    layer.params["W"][...] = W
    layer.params["b"][...] = b
    return layer


# output_size ---------------------------------------------------------------------------
def test_output_size_by_hand():
    assert nb.output_size(6, 3) == 4                          # n − f + 1
    assert nb.output_size(6, 3, padding=1) == 6               # "same" padding p = (f − 1)/2
    assert nb.output_size(7, 3, stride=2) == 3
    assert nb.output_size(44, 3, padding=0, stride=4) == 11   # the notes' ⌊(n + 2p − f + 1)/s⌋ gives 10
    assert nb.output_size(1, 3, padding=1) == 1


def test_output_size_counts_window_positions():
    for n in range(1, 11):
        for f in range(1, 7):
            for p in range(0, 3):
                for s in range(1, 5):
                    if f > n + 2 * p:
                        continue
                    # window starts 0, s, 2s, … while the window still fits in n + 2p pixels
                    count = sum(1 for start in range(0, n + 2 * p, s) if start + f <= n + 2 * p)
                    assert nb.output_size(n, f, p, s) == count, (n, f, p, s)


def test_output_size_accepts_numpy_integers():
    assert nb.output_size(np.int64(6), np.int32(3)) == 4


@pytest.mark.parametrize("args, kwargs, match", [
    ((5, 3), {"stride": 0}, r"expected stride ≥ 1, got 0\. Use stride=1"),
    ((5, 3), {"padding": -1}, r"expected padding ≥ 0, got -1"),
    ((5, 0), {}, r"expected f ≥ 1, got 0"),
    ((0, 1), {}, r"expected n ≥ 1, got 0"),
    ((5, 8), {"padding": 1}, r"the window f=8 is larger than the padded input n \+ 2p = 5 \+ 2·1 = 7"),
    ((5.0, 3), {}, r"expected n to be an integer, got 5\.0"),
    ((5, 3), {"stride": 1.5}, r"expected stride to be an integer, got 1\.5"),
    ((5, 3), {"padding": "1"}, r"expected padding to be an integer, got '1'"),
    ((5, True), {}, r"expected f to be an integer, got True"),
])
def test_output_size_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=r"output_size: " + match):
        nb.output_size(*args, **kwargs)


# values by hand ------------------------------------------------------------------------------
@pytest.mark.parametrize("forward", [conv_impl.forward_loops, conv_impl.forward_strided,
                                     conv_impl.forward_im2col])
def test_notes_vertical_edge_example_every_implementation(forward):
    y = forward(A[None, :, :, None], VERTICAL[:, :, None, None], np.zeros(1))
    assert y.shape == (1, 4, 4, 1)
    np.testing.assert_allclose(y[0, :, :, 0], A_VERTICAL)


def test_notes_vertical_edge_example_conv2d():
    y = conv_with(VERTICAL).forward(A[None, :, :, None])
    np.testing.assert_allclose(y[0, :, :, 0], A_VERTICAL)
    # the first entry by hand: column sums 3+1+2 and 1+8+2 → 6 − 11
    assert y[0, 0, 0, 0] == (3 + 1 + 2) - (1 + 8 + 2)


def test_cross_correlation_not_convolution():
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = conv_with(kernel).forward(x)[0, :, :, 0]
    np.testing.assert_array_equal(y, [[0 + 2 + 9 + 16, 1 + 4 + 12 + 20],
                                      [3 + 8 + 18 + 28, 4 + 10 + 21 + 32]])


def test_padding_stride_and_bias_by_hand():
    x = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)             # [[1,2,3],[4,5,6],[7,8,9]]
    layer = conv_with(np.ones((3, 3)), padding=1, stride=2)
    layer.params["b"][...] = 0.5
    y = layer.forward(x)[0, :, :, 0]
    # windows centred on the corners: sums of the 2×2 corner blocks, plus the bias
    np.testing.assert_array_equal(y, [[12.5, 16.5], [24.5, 28.5]])


def test_rgb_filter_sums_over_channels_and_filters_stack():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 6, 6, 3))
    layer = nb.Conv2D(3, 4, 3, rng=rng)
    y = layer.forward(x)
    assert y.shape == (1, 4, 4, 4)                            # 6×6×3 * four 3×3×3 → 4×4×4
    W = layer.params["W"]
    want = sum(np.sum(x[0, 1:4, 2:5, :] * W[..., k]) for k in [2])
    np.testing.assert_allclose(y[0, 1, 2, 2], want)           # 27 products for one output


def test_im2col_rows_are_windows_and_product_is_the_convolution():
    x = A[None, :, :, None]
    cols = conv_impl.im2col(x, 3)
    assert cols.shape == (16, 9)
    np.testing.assert_array_equal(cols[5], A[1:4, 1:4].ravel())   # output (1, 1)
    np.testing.assert_allclose((cols @ VERTICAL.reshape(9, 1)).reshape(4, 4), A_VERTICAL)


@settings(max_examples=40)
@given(conv_case())
def test_col2im_is_the_adjoint_of_im2col(case):
    x, W, b, dy, s, p = case
    f = W.shape[0]
    cols = conv_impl.im2col(x, f, s, p)
    d = np.random.default_rng(0).standard_normal(cols.shape)
    # ⟨im2col(x), d⟩ = ⟨x, col2im(d)⟩ for every x and d
    np.testing.assert_allclose(np.sum(cols * d), np.sum(x * conv_impl.col2im(d, x.shape, f, s, p)))
    # the fast layout (dcols.T contiguous) gives the same numbers
    np.testing.assert_allclose(conv_impl.col2im(np.ascontiguousarray(d.T).T, x.shape, f, s, p),
                               conv_impl.col2im(d, x.shape, f, s, p))


# the three implementations and the layer agree --------------------------------------------------
@settings(max_examples=60)
@given(conv_case())
def test_three_implementations_agree(case):
    x, W, b, dy, s, p = case
    y_ref = conv_impl.forward_loops(x, W, b, s, p)
    g_ref = conv_impl.backward_loops(dy, x, W, s, p)
    for name in ("strided", "im2col"):
        forward, backward = conv_impl.IMPLEMENTATIONS[name]
        np.testing.assert_allclose(forward(x, W, b, s, p), y_ref, atol=1e-12, err_msg=name)
        for got, want, what in zip(backward(dy, x, W, s, p), g_ref, ("dx", "dW", "db")):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, atol=1e-12, err_msg=f"{name} {what}")


@settings(max_examples=60)
@given(conv_case(max_side=8))
def test_conv2d_agrees_with_the_reference(case):
    x, W, b, dy, s, p = case
    layer = layer_for(W, b, s, p)
    np.testing.assert_allclose(layer.forward(x), conv_impl.forward_loops(x, W, b, s, p), atol=1e-12)
    dx, dW, db = conv_impl.backward_loops(dy, x, W, s, p)
    np.testing.assert_allclose(layer.backward(dy), dx, atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], dW, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], db, atol=1e-12)


@pytest.mark.parametrize("c_in, f, by_tap", [(1, 3, True), (2, 3, True), (3, 3, False), (8, 3, False),
                                           (1, 7, True), (2, 4, False)])
def test_both_storage_layouts_agree_with_the_reference(c_in, f, by_tap):
    # few channels: X_col is stored transposed (one row per tap); many: one row per window
    assert conv_impl.copies_by_tap(f, c_in) is by_tap
    rng = np.random.default_rng(14)
    W, b = rng.standard_normal((f, f, c_in, 3)), rng.standard_normal(3)
    x = rng.standard_normal((2, 9, 8, c_in))
    layer = layer_for(W, b, 2, 1)
    assert layer.forward(x).shape == (2, nb.output_size(9, f, 1, 2), nb.output_size(8, f, 1, 2), 3)
    dy = rng.standard_normal(layer.forward(x).shape)
    np.testing.assert_allclose(layer.forward(x), conv_impl.forward_loops(x, W, b, 2, 1), atol=1e-12)
    for got, want in zip((layer.backward(dy), layer.grads["W"], layer.grads["b"]),
                         conv_impl.backward_loops(dy, x, W, 2, 1)):
        np.testing.assert_allclose(got, want, atol=1e-12)


# gradients against finite differences ------------------------------------------------------------
@settings(max_examples=30)
@given(conv_case(max_side=5))
def test_conv2d_gradients_numerically(case):
    x, W, b, dy, s, p = case
    errors = nb.check_gradients(layer_for(W, b, s, p), x, dy)
    assert set(errors) == {"x", "W", "b"}
    # 1e-6, not 1e-7: hypothesis draws cases (one output pixel, one channel) where a gradient
    # is a single small number, and the finite difference's round-off (~1e-10 of the energy)
    # is then ~1e-7 of it; a wrong gradient gives an error near 1.
    assert max(errors.values()) < 1e-6, errors


@settings(max_examples=15)
@given(conv_case(max_side=4))
def test_loop_implementation_gradients_numerically(case):
    x, W, b, dy, s, p = case
    dx, dW, db = conv_impl.backward_loops(dy, x, W, s, p)

    def energy(_):
        return np.sum(conv_impl.forward_loops(x, W, b, s, p) * dy)
    for got, arr in ((dx, x), (dW, W), (db, b)):
        assert nb.relative_error(got, nb.numerical_gradient(energy, arr)) < 1e-6   # as above


def test_pixels_no_window_covers_get_zero_gradient():
    # 6 pixels, f = 3, s = 2: windows start at 0 and 2, so row/column 5 is never used
    rng = np.random.default_rng(2)
    layer = nb.Conv2D(2, 3, 3, stride=2, rng=rng)
    x = rng.standard_normal((2, 6, 6, 2))
    y = layer.forward(x)
    assert y.shape == (2, 2, 2, 3)
    dx = layer.backward(np.ones_like(y))
    assert np.all(dx[:, 5, :, :] == 0) and np.all(dx[:, :, 5, :] == 0)
    assert np.all(dx[:, :5, :5, :] != 0)


def test_centre_pixels_are_used_f_squared_times():
    layer = conv_with(np.ones((3, 3)))
    layer.forward(np.zeros((1, 6, 6, 1)))
    counts = layer.backward(np.ones((1, 4, 4, 1)))[0, :, :, 0]
    assert counts[0, 0] == 1 and counts[2, 2] == 9 and counts.sum() == 16 * 9


def test_need_dx_false_fills_the_same_grads_and_returns_none():
    rng = np.random.default_rng(3)
    layer = nb.Conv2D(2, 3, 3, padding=1, rng=rng)
    x = rng.standard_normal((2, 5, 5, 2))
    dy = rng.standard_normal((2, 5, 5, 3))
    layer.forward(x)
    layer.backward(dy)
    dW, db = layer.grads["W"].copy(), layer.grads["b"].copy()
    layer.forward(x)
    assert layer.backward(dy, need_dx=False) is None
    np.testing.assert_array_equal(layer.grads["W"], dW)
    np.testing.assert_array_equal(layer.grads["b"], db)


# the work arrays that Conv2D reuses never leak into results ---------------------------------------------
def test_outputs_are_not_overwritten_by_later_batches():
    rng = np.random.default_rng(4)
    layer = nb.Conv2D(1, 2, 3, padding=1, rng=rng)
    x1, x2 = rng.standard_normal((2, 3, 5, 5, 1))
    y1 = layer.forward(x1)
    dx1 = layer.backward(np.ones_like(y1))
    y1_copy, dx1_copy = y1.copy(), dx1.copy()
    layer.forward(x2)
    layer.backward(2 * np.ones_like(y1))
    np.testing.assert_array_equal(y1, y1_copy)
    np.testing.assert_array_equal(dx1, dx1_copy)


def test_backward_twice_after_one_forward():
    # backward reuses the memory of the im2col matrix; a second backward rebuilds it
    rng = np.random.default_rng(12)
    W, b = rng.standard_normal((3, 3, 2, 3)), rng.standard_normal(3)
    layer = layer_for(W, b, 2, 1)
    x = rng.standard_normal((2, 6, 5, 2))
    dy1, dy2 = rng.standard_normal((2, 2, 3, 3, 3))
    layer.forward(x)
    for dy in (dy1, dy2, dy1):
        for need_dx in (True, False):
            dx, dW, db = conv_impl.backward_loops(dy, x, W, 2, 1)
            got = layer.backward(dy, need_dx=need_dx)
            if need_dx:
                np.testing.assert_allclose(got, dx, atol=1e-12)
            np.testing.assert_allclose(layer.grads["W"], dW, atol=1e-12)
            np.testing.assert_allclose(layer.grads["b"], db, atol=1e-12)
    np.testing.assert_allclose(layer.forward(x), conv_impl.forward_loops(x, W, b, 2, 1), atol=1e-12)


def test_backward_uses_the_last_forward_whatever_its_shape():
    rng = np.random.default_rng(5)
    W, b = rng.standard_normal((3, 3, 1, 2)), rng.standard_normal(2)
    layer = layer_for(W, b, 1, 1)
    shapes = [(4, 5, 5, 1), (1, 5, 5, 1), (3, 7, 6, 1), (4, 5, 5, 1), (1, 5, 5, 1)]
    for shape in shapes:                                      # more shapes than work arrays kept
        x = rng.standard_normal(shape)
        y = layer.forward(x)
        dy = rng.standard_normal(y.shape)
        dx, dW, db = conv_impl.backward_loops(dy, x, W, 1, 1)
        np.testing.assert_allclose(layer.backward(dy), dx, atol=1e-12)
        np.testing.assert_allclose(layer.grads["W"], dW, atol=1e-12)
    assert len(layer._work) <= 2


def test_large_work_arrays_are_not_kept(monkeypatch):
    monkeypatch.setattr("nnbook.layers.conv.conv2d._KEEP_BYTES", 1000)
    rng = np.random.default_rng(13)
    W, b = rng.standard_normal((3, 3, 1, 2)), rng.standard_normal(2)
    layer = layer_for(W, b, 1, 1)
    x = rng.standard_normal((2, 5, 5, 1))                     # im2col matrix 50 × 10 floats > 1000 bytes
    y = layer.forward(x)
    assert layer._work == {}
    np.testing.assert_allclose(y, conv_impl.forward_loops(x, W, b, 1, 1), atol=1e-12)
    np.testing.assert_allclose(layer.backward(np.ones_like(y)),
                               conv_impl.backward_loops(np.ones_like(y), x, W, 1, 1)[0], atol=1e-12)


def test_integer_input_is_accepted():
    layer = conv_with(VERTICAL)
    y = layer.forward(A.astype(int)[None, :, :, None])
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y[0, :, :, 0], A_VERTICAL)


# float32 ------------------------------------------------------------------------------------------------------
def test_float32_layer_computes_in_float32():
    rng = np.random.default_rng(6)
    layer = nb.Conv2D(2, 3, 3, stride=2, padding=1, rng=rng, dtype=np.float32)
    assert layer.params["W"].dtype == np.float32 and layer.params["b"].dtype == np.float32
    for x in (rng.standard_normal((2, 7, 7, 2)).astype(np.float32), rng.standard_normal((2, 7, 7, 2))):
        y = layer.forward(x)
        assert y.dtype == np.float32
        dx = layer.backward(np.ones(y.shape))                 # a float64 dy is taken as float32
        assert dx.dtype == np.float32
        assert layer.grads["W"].dtype == np.float32 and layer.grads["b"].dtype == np.float32
    ref = layer_for(layer.params["W"].astype(float), layer.params["b"].astype(float), 2, 1)
    np.testing.assert_allclose(y, ref.forward(x), rtol=1e-4, atol=1e-5)


def test_float32_model_trains_in_float32():
    rng = np.random.default_rng(7)
    model = nb.Sequential([nb.Conv2D(1, 2, 3, padding=1, rng=rng, dtype=np.float32), nb.ReLU(),
                           nb.MaxPool2D(2), nb.Flatten(), nb.Dense(8, 2, rng=rng, dtype=np.float32),
                           nb.Softmax()])
    model.compile("adam", "crossentropy")
    x = rng.standard_normal((10, 4, 4, 1))
    model.fit(x, rng.integers(0, 2, 10), epochs=2, verbose=0, rng=rng)
    assert model.predict(x).dtype == np.float32
    assert all(p.dtype == np.float32 for p in model.params.values())


# initialisation, config, repr, shapes -------------------------------------------------------------------
def test_parameters_shapes_and_xavier_fans():
    layer = nb.Conv2D(3, 8, 5, rng=np.random.default_rng(8))
    assert layer.params["W"].shape == (5, 5, 3, 8) and layer.params["b"].shape == (8,)
    assert np.all(layer.params["b"] == 0)
    limit = np.sqrt(6 / (25 * 3 + 25 * 8))                    # fan_in = f·f·c_in, fan_out = f·f·c_out
    assert np.abs(layer.params["W"]).max() <= limit
    assert np.abs(layer.params["W"]).max() > 0.9 * limit
    seen = {}

    def spy(shape, fan_in, fan_out, rng, dtype):
        seen.update(shape=shape, fan_in=fan_in, fan_out=fan_out)
        return np.zeros(shape, dtype)
    nb.Conv2D(3, 8, 5, init=spy)
    assert seen == {"shape": (5, 5, 3, 8), "fan_in": 75, "fan_out": 200}


def test_same_rng_seed_gives_the_same_filters():
    a = nb.Conv2D(2, 4, 3, rng=np.random.default_rng(9))
    b = nb.Conv2D(2, 4, 3, rng=np.random.default_rng(9))
    np.testing.assert_array_equal(a.params["W"], b.params["W"])


def test_repr_config_and_attributes():
    layer = nb.Conv2D(3, 8, 3, stride=2, padding=1, rng=np.random.default_rng(0))
    assert repr(layer) == "Conv2D(3 → 8, 3×3, stride=2, padding=1)"
    assert layer.get_config() == {"c_in": 3, "c_out": 8, "kernel_size": 3, "stride": 2, "padding": 1}
    assert (layer.c_in, layer.c_out, layer.kernel_size, layer.stride, layer.padding) == (3, 8, 3, 2, 1)
    assert set(layer.grads) == set(layer.params) == {"W", "b"}


@pytest.mark.parametrize("shape, kwargs, want", [
    ((28, 28, 1), {"padding": 1}, (28, 28, 8)),
    ((28, 28, 1), {}, (26, 26, 8)),
    ((32, 30, 1), {"stride": 2, "padding": 2}, (17, 16, 8)),      # ⌊(32 + 4 − 3)/2⌋ + 1
    ((None, 28, 1), {"padding": 1}, (None, 28, 8)),
    ((None, None, 1), {}, (None, None, 8)),
])
def test_output_shape(shape, kwargs, want):
    layer = nb.Conv2D(1, 8, 3, rng=np.random.default_rng(0), **kwargs)
    assert layer.output_shape(shape) == want
    if None not in shape:
        assert layer.forward(np.zeros((2,) + shape)).shape == (2,) + want


# errors -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, kwargs, match", [
    ((0, 8, 3), {}, r"Conv2D: expected c_in to be an integer ≥ 1, got 0"),
    ((1, 0, 3), {}, r"Conv2D: expected c_out to be an integer ≥ 1, got 0"),
    ((1, 8, 0), {}, r"Conv2D: expected kernel_size to be an integer ≥ 1, got 0"),
    ((1, 8, 2.5), {}, r"Conv2D: expected kernel_size to be an integer ≥ 1, got 2\.5"),
    ((1, 8, 3), {"stride": 0}, r"Conv2D: expected stride to be an integer ≥ 1, got 0"),
    ((1, 8, 3), {"padding": -1}, r"Conv2D: expected padding to be an integer ≥ 0, 'valid' or 'same', got -1"),
    ((1, 8, 3), {"init": "nope"}, r"Conv2D\(1 → 8, 3×3, stride=1, padding=0\): unknown init 'nope'"),
    ((1, 8, 3), {"dtype": np.int32}, r"Conv2D\(1 → 8.*expected a floating dtype"),
    ((1, 8, 3), {"rng": 3}, r"expected rng to be a np\.random\.Generator or None"),
])
def test_constructor_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        nb.Conv2D(*args, **kwargs)


def test_init_returning_a_wrong_shape_is_an_error():
    with pytest.raises(ValueError, match=r"init returned shape \(3,\), expected \(3, 3, 1, 2\)"):
        nb.Conv2D(1, 2, 3, init=lambda shape, fi, fo, rng, dtype: np.zeros(3))


LAYER = r"Conv2D\(3 → 8, 3×3, stride=1, padding=1\): "


@pytest.mark.parametrize("shape, match", [
    ((28, 28, 3), LAYER + r"expected input of shape \(m, h, w, 3\), got \(28, 28, 3\)\. "
                          r"A single image needs a batch axis: use x\[None\]\."),
    ((4, 784), LAYER + r"expected input of shape \(m, h, w, 3\), got \(4, 784\)\. Images must keep"),
    ((4, 3, 28, 28), LAYER + r"expected 3 input channel\(s\).*got \(4, 3, 28, 28\) with 28\. "
                             r"Images are NHWC.*x\.transpose\(0, 2, 3, 1\)"),
    ((4, 28, 28, 1), LAYER + r"expected 3 input channel\(s\), shape \(m, h, w, 3\), got \(4, 28, 28, 1\) with 1"),
    ((2, 1, 5, 3), None),
])
def test_forward_errors(shape, match):
    layer = nb.Conv2D(3, 8, 3, padding=1, rng=np.random.default_rng(0))
    if match is None:                                         # 1 + 2·1 = 3 fits a 3×3 kernel
        assert layer.forward(np.zeros(shape)).shape == (2, 1, 5, 8)
        return
    with pytest.raises(ValueError, match=match):
        layer.forward(np.zeros(shape))


def test_kernel_larger_than_the_padded_image():
    layer = nb.Conv2D(1, 2, 5, padding=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"Conv2D\(1 → 2, 5×5, stride=1, padding=1\): the 5×5 kernel is "
                                         r"larger than the padded image: height 2 \+ 2·1 = 4 < 5 "
                                         r"\(input \(3, 2, 9, 1\)\)\. Use a smaller kernel, more padding"):
        layer.forward(np.zeros((3, 2, 9, 1)))
    with pytest.raises(ValueError, match=r"width 1 \+ 2·1 = 3 < 5"):
        layer.output_shape((None, 1, 1))


def test_non_numeric_input():
    with pytest.raises(ValueError, match=r"Conv2D\(1 → 1, 1×1.*expected numbers, got an array of dtype"):
        nb.Conv2D(1, 1, 1).forward(np.array([[[["a"]]]]))


def test_backward_before_forward_and_bad_dy():
    layer = nb.Conv2D(1, 2, 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"Conv2D\(1 → 2, 3×3, stride=1, padding=0\): backward\(\) "
                                         r"was called before forward\(\)"):
        layer.backward(np.zeros((1, 2, 2, 2)))
    layer.forward(np.zeros((1, 4, 4, 1)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(1, 2, 2, 2\).*got \(1, 2, 2, 1\)"):
        layer.backward(np.zeros((1, 2, 2, 1)))


@pytest.mark.parametrize("shape, match", [
    ((28, 28, 1), r"expected samples of shape \(h, w, 3\), got \(28, 28, 1\)\. Check the previous "
                  r"layer's channels"),
    ((784,), r"expected samples of shape \(h, w, 3\), got \(784,\)"),
])
def test_output_shape_errors(shape, match):
    with pytest.raises(ValueError, match=LAYER + match):
        nb.Conv2D(3, 8, 3, padding=1, rng=np.random.default_rng(0)).output_shape(shape)


# in a model ----------------------------------------------------------------------------------------------------
def digits_cnn(rng, **kwargs):
    return nb.Sequential([nb.Conv2D(1, 8, 3, padding=1, rng=rng), nb.ReLU(), nb.MaxPool2D(2),
                          nb.Flatten(), nb.Dense(128, 10, rng=rng), nb.Softmax()], **kwargs)


def test_cnn_builds_without_input_shape_and_trains():
    rng = np.random.default_rng(10)
    model = digits_cnn(rng)
    assert model.output_shapes() == [(None, None, 8)] * 2 + [(None, None, 8), (None,), (10,), (10,)]
    images, labels = nb.data.load_digits()
    x, y = images[:300], labels[:300]
    model.compile(nb.Adam(0.01), "crossentropy")
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0, rng=rng)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert np.mean(model.predict(x).argmax(axis=1) == y) > 0.8


def test_cnn_summary_shows_shapes_and_counts():
    lines = []
    digits_cnn(np.random.default_rng(0), input_shape=(8, 8, 1)).summary(print_fn=lines.append)
    text = lines[0]
    for part in ("Conv2D(1 → 8, 3×3, stride=1, padding=1)", "(None, 8, 8, 8)", "80",
                 "MaxPool2D(2×2, stride=2)", "(None, 4, 4, 8)", "(None, 128)", "1290", "(None, 10)",
                 "Total params: 1370"):
        assert part in text, part


@pytest.mark.parametrize("side", [100, 200])
def test_ten_3x3x3_filters_have_280_parameters_for_any_image_size(side):
    model = nb.Sequential([nb.Conv2D(3, 10, 3, rng=np.random.default_rng(0))], input_shape=(side, side, 3))
    assert model.count_params() == 27 * 10 + 10 == 280
    lines = []
    model.summary(print_fn=lines.append)
    assert f"(None, {side - 2}, {side - 2}, 10)" in lines[0] and "280" in lines[0]


def test_model_rejects_a_channel_mismatch_when_built():
    with pytest.raises(ValueError, match=r"Sequential: layer 1 does not fit the one before it\. "
                                         r"Conv2D\(3 → 4, 3×3.*expected samples of shape \(h, w, 3\), "
                                         r"got \(None, None, 8\)"):
        nb.Sequential([nb.Conv2D(1, 8, 3), nb.Conv2D(3, 4, 3)])


def test_save_and_load_a_cnn(tmp_path):
    rng = np.random.default_rng(11)
    model = nb.Sequential([nb.Conv2D(1, 4, 3, stride=2, padding=1, rng=rng), nb.ReLU(),
                           nb.AvgPool2D(2, stride=1), nb.Conv2D(4, 3, 2, rng=rng), nb.MaxPool2D(2),
                           nb.Flatten(), nb.Dense(3, 2, rng=rng), nb.Softmax()], input_shape=(8, 8, 1))
    for layer in model.layers:                                # non-zero biases, so they are saved too
        if "b" in layer.params:
            layer.params["b"][...] = rng.standard_normal(layer.params["b"].shape)
    x = rng.standard_normal((5, 8, 8, 1))
    loaded = nb.load_model(model.save(tmp_path / "cnn"))
    assert repr(loaded) == repr(model)
    assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


@pytest.mark.parametrize("name", ["loops", "strided", "im2col"])
def test_implementations_reject_shapes_that_do_not_fit(name):
    forward, backward = conv_impl.IMPLEMENTATIONS[name]
    x, W, b = np.zeros((1, 5, 5, 2)), np.zeros((3, 3, 2, 4)), np.zeros(4)
    with pytest.raises(ValueError, match=r"conv_impl: expected x of shape \(m, h, w, c_in\) and W of "
                                         r"shape \(f, f, c_in, c_out\), got x \(1, 5, 5, 3\) and W "
                                         r"\(3, 3, 2, 4\)"):
        forward(np.zeros((1, 5, 5, 3)), W, b)
    with pytest.raises(ValueError, match=r"conv_impl: expected b of shape \(4,\) \(one bias per filter\), "
                                         r"got \(1,\)"):
        forward(x, W, np.zeros(1))
    with pytest.raises(ValueError, match=r"conv_impl: expected dy of shape \(1, 3, 3, 4\) \(the shape of "
                                         r"y\), got \(1, 3, 3, 1\)"):
        backward(np.zeros((1, 3, 3, 1)), x, W)
    with pytest.raises(ValueError, match=r"output_size: the window f=3 is larger"):
        forward(np.zeros((1, 2, 5, 2)), W, b)
