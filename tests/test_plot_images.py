"""nnbook/plot/images.py: image grids, filters, feature maps and confusion matrices:
the mosaic's shape, one colour scale, the text written on the tiles, and the errors."""

import matplotlib

matplotlib.use("Agg")   # also set in conftest.py; repeated so this file runs on its own

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import close_figures, texts  # noqa: E402,F401  (the fixture applies here)
from nnbook import plot  # noqa: E402


def test_image_grid_one_mosaic_with_gaps():
    images = np.random.default_rng(0).random((7, 5, 4, 1))
    ax = plot.image_grid(images, ncols=3, title="seven")
    assert len(ax.images) == 1
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (3 * 6 - 1, 3 * 5 - 1)       # 3 rows, 3 columns, 1-pixel gaps
    np.testing.assert_array_equal(mosaic[6:11, 5:9], images[4, :, :, 0])   # row 1, column 1
    assert np.ma.is_masked(mosaic[5, 0])                 # a gap
    assert ax.get_title() == "seven" and len(ax.get_xticks()) == 0 and len(ax.get_yticks()) == 0


def test_image_grid_default_columns_and_rgb():
    ax = plot.image_grid(np.random.default_rng(0).random((5, 2, 3, 3)) * 4 - 2)
    mosaic = np.asarray(ax.images[0].get_array())
    assert mosaic.shape == (2 * 3 - 1, 3 * 4 - 1, 3)    # ceil(sqrt(5)) = 3 columns
    assert mosaic.min() >= 0 and mosaic.max() <= 1


def test_image_grid_labels_and_predictions():
    images = np.zeros((3, 4, 4))
    ax = plot.image_grid(images, labels=[1, 2, 3])
    assert texts(ax) == ["1", "2", "3"]
    ax = plot.image_grid(images, labels=[1, 2, 3], predicted=np.eye(4)[[1, 0, 3]])
    assert texts(ax) == ["pred 1\ntrue 1", "pred 0\ntrue 2", "pred 3\ntrue 3"]
    colors = [matplotlib.colors.to_hex(t.get_color()) for t in ax.texts]
    assert colors == ["#000000", "#ff0000", "#000000"]


def test_image_grid_digits_are_ink_on_paper_with_index():
    images = np.zeros((3, 4, 4))
    ax = plot.image_grid(images, index=True)
    assert plot.IMAGE_CMAP == "gray_r" and ax.images[0].get_cmap().name.startswith("gray_r")
    assert texts(ax) == ["0", "1", "2"]
    assert min(t.get_fontsize() for t in ax.texts) >= 9


def test_image_grid_shared_scale_and_colorbar():
    images = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 3.0)])
    ax = plot.image_grid(images, ncols=2, vmin=0, vmax=4, colorbar=True)
    assert ax.images[0].get_clim() == (0, 4)
    np.testing.assert_allclose(ax.images[0].get_array()[:, 3:], 3.0)   # values kept, not rescaled
    assert len(ax.figure.axes) == 2                                    # the colorbar's axis


def test_image_grid_normalize_tile():
    images = np.stack([np.full((2, 2), 5.0), np.array([[0.0, 10.0], [20.0, 40.0]])])
    ax = plot.image_grid(images, ncols=2, normalize="tile")
    mosaic = ax.images[0].get_array()
    np.testing.assert_allclose(mosaic[:, :2], 0.5)      # a constant tile is mid-gray
    np.testing.assert_allclose(mosaic[:, 3:], [[0, 0.25], [0.5, 1]])


@pytest.mark.parametrize("images, kwargs, match", [
    (np.zeros((4, 64)), {}, r"got \(4, 64\).*reshape\(-1, 8, 8\)"),
    (np.zeros((4, 8, 8, 2)), {}, r"\(n, h, w, 3\), got \(4, 8, 8, 2\)"),
    (np.zeros((4, 8, 8)), {"labels": [1, 2]}, r"got 4 images but 2 labels"),
    (np.zeros((4, 8, 8)), {"normalize": "row"}, r"normalize 'global' or 'tile', got 'row'"),
    (np.zeros((4, 8, 8)), {"ncols": 0}, r"ncols to be an integer ≥ 1 or None, got 0"),
])
def test_image_grid_errors(images, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot.image_grid(images, **kwargs)


def test_confusion_matrix_plot():
    cm = np.array([[5, 1], [0, 7]])
    ax = plot.confusion_matrix(cm, class_names=["cat", "dog"])
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    assert ax.get_title() == "Confusion matrix"
    assert texts(ax) == ["5", "1", "0", "7"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog"]
    np.testing.assert_array_equal(ax.images[0].get_array(), cm)


def test_confusion_matrix_plot_errors():
    with pytest.raises(ValueError, match=r"square \(k, k\) matrix, got \(2, 3\)"):
        plot.confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"2 classes but 3 class_names"):
        plot.confusion_matrix(np.zeros((2, 2)), class_names="abc")


def test_filters_grid():
    W = np.random.default_rng(0).standard_normal((3, 3, 2, 6))
    ax = plot.filters(W)
    assert ax.get_title() == "Learned filters"
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (2 * 4 - 1, 3 * 4 - 1)       # 6 tiles: 2 rows of 3
    np.testing.assert_allclose(mosaic[:3, :3], W[:, :, 0, 0])          # one shared scale
    top = np.abs(W[:, :, 0, :]).max()
    assert ax.images[0].get_clim() == (-top, top)                       # centred on 0
    assert ax.images[0].get_cmap().name.startswith("RdBu_r")
    assert texts(ax) == [str(i) for i in range(6)]                      # every tile indexed
    mean = plot.filters(W, channel="mean").images[0].get_array()
    assert mean.shape == mosaic.shape


def test_filters_errors():
    with pytest.raises(ValueError, match=r"\(f, f, c_in, c_out\), got \(3, 3\)"):
        plot.filters(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"index in \[0, 2\), got 2"):
        plot.filters(np.zeros((3, 3, 2, 4)), channel=2)


def test_feature_maps_grid():
    maps = np.random.default_rng(0).random((6, 5, 4))
    ax = plot.feature_maps(maps[None])                   # a batch of one is fine
    assert ax.get_title() == "Feature maps"
    assert ax.images[0].get_array().shape == (2 * 7 - 1, 2 * 6 - 1)
    assert ax.images[0].get_clim() == (0, maps.max())                   # non-negative: 0 … max
    assert plot.feature_maps(maps, vmax=5.0).images[0].get_clim() == (0, 5.0)   # shared with another grid
    assert plot.feature_maps(maps - 0.5).images[0].get_cmap().name.startswith("RdBu_r")
    with pytest.raises(ValueError, match=r"pass one sample: maps\[i\]"):
        plot.feature_maps(np.zeros((2, 6, 5, 4)))


def test_filters_and_feature_maps_ncols():
    W = np.random.default_rng(0).standard_normal((3, 3, 1, 32))
    assert plot.filters(W, ncols=8).images[0].get_array().shape == (4 * 4 - 1, 8 * 4 - 1)  # 4 rows of 8
    maps = np.random.default_rng(1).random((4, 4, 32))
    assert plot.feature_maps(maps, ncols=8).images[0].get_array().shape == (4 * 5 - 1, 8 * 5 - 1)
    with pytest.raises(ValueError, match=r"ncols to be an integer ≥ 1"):
        plot.filters(W, ncols=0)
