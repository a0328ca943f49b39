"""The XOR training animation (nnbook/explore/animation.py, ``nb.explore.xor_animation``):
frame count, size budget, a reproducible snippet, a player that degrades to the last frame
without JavaScript, and the animated GIF form (frame count, durations, size, reproducible
bytes)."""

import base64
import re

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

pytest.importorskip("IPython")

from nnbook.explore import frames_gif, frames_html, xor_animation  # noqa: E402


@pytest.fixture(scope="module")
def anim():
    return xor_animation(n_frames=12, element_id="test-anim")


def test_frame_count_and_epochs(anim):
    assert len(anim.frames) == 12 == len(anim.epochs)
    assert anim.epochs[0] == 0 and anim.epochs[-1] == 300
    assert anim.epochs == sorted(set(anim.epochs))
    imgs = re.findall(r'<img class="frame"[^>]*src="data:image/png;base64,([^"]+)"', anim.data)
    assert len(imgs) == 12
    assert base64.b64decode(imgs[3]) == anim.frames[3]


def test_stays_under_300_kb(anim):
    assert len(anim.data.encode()) < 300 * 1024


def test_player_controls_and_fallback(anim):
    html = anim.data
    assert 'type="range" min="0" max="11"' in html and "▶ play" in html and "<script>" in html
    # without scripts, only the last frame is visible
    assert html.count('style="display:none"') == 11 + 1     # 11 frames + the controls
    assert "epoch 300 of 300" in html


def test_reproducible_with_a_fixed_id(anim):
    assert xor_animation(n_frames=12, element_id="test-anim").data == anim.data


def test_default_id_comes_from_the_frames():
    a = frames_html([b"one", b"two"], ["1", "2"])
    assert a == frames_html([b"one", b"two"], ["1", "2"])
    assert a != frames_html([b"one", b"three"], ["1", "2"])


def test_errors():
    with pytest.raises(ValueError, match="xor_animation: n_frames=1"):
        xor_animation(n_frames=1)
    with pytest.raises(ValueError, match="frames_html: got 2 frames and 1 captions"):
        frames_html([b"a", b"b"], ["one"])


# --- the GIF form: plays without JavaScript (untrusted notebooks, the static book) ---

@pytest.fixture(scope="module")
def gif():
    return xor_animation(n_frames=12, format="gif")


def test_gif_is_an_animated_image_with_every_frame(gif):
    from io import BytesIO

    from PIL import Image

    assert gif.format == "gif" and gif.data[:6] == b"GIF89a"
    im = Image.open(BytesIO(gif.data))
    assert im.n_frames == 12 == len(gif.frames) and im.is_animated
    assert im.info["loop"] == 0                              # loops forever
    assert im.size == Image.open(BytesIO(gif.frames[0])).size
    durations = []
    for k in range(im.n_frames):
        im.seek(k)
        durations.append(im.info["duration"])
    assert durations == [400] * 11 + [1500]                  # the last frame stays longer


def test_gif_stays_small_and_shows_as_fixed_text(gif):
    assert len(gif.data) < 300 * 1024
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(gif)                 # what a notebook stores
    assert set(data) == {"image/gif", "text/plain"}
    assert data["text/plain"] == "<IPython.core.display.Image object>"   # what nbval compares


def test_gif_bytes_are_reproducible(gif, anim):
    # the GIF's frames are the PNGs the HTML form drew in another call (which
    # test_reproducible_with_a_fixed_id draws a third time), and the same frames make the same
    # bytes: so a second GIF call gives these bytes (it was made here: 1.5 s of CPU)
    assert gif.frames == anim.frames
    assert frames_gif(gif.frames) == gif.data
    assert frames_gif(gif.frames[:3]) != frames_gif(gif.frames[3:6])


def test_gif_errors():
    with pytest.raises(ValueError, match="xor_animation: format='mp4'"):
        xor_animation(format="mp4")
    with pytest.raises(ValueError, match="frames_gif: got no frames"):
        frames_gif([])
    with pytest.raises(ValueError, match="frames_gif: colors=300"):
        frames_gif([b"x"], colors=300)
