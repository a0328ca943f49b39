"""A training animation that plays without a kernel: the XOR decision boundary at a
few moments of training (chapter 05), either as an animated GIF (plays everywhere,
even in an untrusted notebook) or as PNG frames in an HTML snippet with a slider and
a play button (a few lines of JavaScript that only switch which frame is visible).
"""

from __future__ import annotations

import base64
import hashlib
from io import BytesIO

import matplotlib.pyplot as plt
import numpy as np

from ._widgets import _png
from .xor import train_xor, xor_boundary

__all__ = ["xor_animation", "frames_html", "frames_gif"]


def frames_html(pngs, captions, *, interval_ms=400, element_id=None):
    """An HTML player for PNG frames: a play/pause button, a slider and a caption.

    Without JavaScript (an untrusted notebook, or a page that strips scripts) the last
    frame shows alone, so the page still reads. ``element_id`` defaults to one made
    from a hash of the frames, so the same frames give the same snippet.
    """
    if len(pngs) != len(captions) or not pngs:
        raise ValueError(f"frames_html: got {len(pngs)} frames and {len(captions)} captions; "
                         "expected the same number, at least one.")
    uid = element_id or "nnbook-anim-" + hashlib.sha1(b"".join(pngs)).hexdigest()[:10]
    last = len(pngs) - 1
    imgs = "".join(
        f'<img class="frame" alt="{c}" src="data:image/png;base64,{base64.b64encode(p).decode()}"'
        f'{"" if i == last else " style=" + chr(34) + "display:none" + chr(34)}>'
        for i, (p, c) in enumerate(zip(pngs, captions)))
    caps = "[" + ",".join('"' + c.replace('"', "'") + '"' for c in captions) + "]"
    return f"""<div id="{uid}" class="nnbook-animation">
<div>{imgs}</div>
<div class="controls" style="display:none"><button>▶ play</button>
<input type="range" min="0" max="{last}" value="0" step="1" style="width:60%;vertical-align:middle">
<span class="caption"></span></div>
<p class="caption-static">{captions[last]}</p>
<script>
(function() {{
  var root = document.getElementById("{uid}"); if (!root) return;
  var frames = root.querySelectorAll("img.frame"), caps = {caps};
  var slider = root.querySelector("input"), button = root.querySelector("button");
  var label = root.querySelector("span.caption"), timer = null;
  root.querySelector(".controls").style.display = "block";
  root.querySelector(".caption-static").style.display = "none";
  function show(k) {{
    for (var i = 0; i < frames.length; i++) frames[i].style.display = (i == k) ? "block" : "none";
    slider.value = k; label.textContent = caps[k];
  }}
  function stop() {{ clearInterval(timer); timer = null; button.textContent = "▶ play"; }}
  button.addEventListener("click", function() {{
    if (timer) {{ stop(); return; }}
    button.textContent = "❚❚ pause";
    if (+slider.value == frames.length - 1) show(0);
    timer = setInterval(function() {{
      var k = +slider.value + 1;
      if (k >= frames.length) {{ stop(); return; }}
      show(k);
    }}, {int(interval_ms)});
  }});
  slider.addEventListener("input", function() {{ stop(); show(+slider.value); }});
  show(0);
}})();
</script>
</div>"""


def frames_gif(pngs, *, interval_ms=400, hold_ms=1500, colors=64):
    """An animated GIF (bytes) of PNG frames, looping forever; the last frame stays
    ``hold_ms`` on screen. Each frame is reduced to an adaptive palette of ``colors``
    colours (the pictures are flat areas, so this keeps them sharp and small). The same
    frames give the same bytes.
    """
    from PIL import Image

    if not pngs:
        raise ValueError("frames_gif: got no frames; expected at least one PNG.")
    if not 2 <= colors <= 256:
        raise ValueError(f"frames_gif: colors={colors}; a GIF palette holds 2 to 256 colours.")
    images = [Image.open(BytesIO(p)).convert("RGB").quantize(colors=colors) for p in pngs]
    durations = [int(interval_ms)] * (len(images) - 1) + [int(hold_ms)]
    buf = BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=durations,
                   loop=0, optimize=False, disposal=1)
    return buf.getvalue()


def xor_animation(hidden=4, lr=1.0, epochs=300, *, n_frames=12, seed=0, dpi=90, element_id=None,
                  format="html"):
    """The XOR boundary after 0 … ``epochs`` epochs (``n_frames`` moments, spaced more
    densely early, where most changes), as an ``IPython.display.HTML`` player, or with
    ``format="gif"`` as an ``IPython.display.Image`` of an animated GIF (``frames_gif``).

    The GIF needs no JavaScript, so it plays in a freshly cloned (untrusted) notebook
    in JupyterLab and in the static book; its text/plain is the fixed
    ``<IPython.core.display.Image object>``, so nbval compares nothing that moves.

    The same training as ``nb.explore.xor_training`` (``train_xor``: 2 → hidden
    tanh → 1 sigmoid, BCE, full-batch SGD, fixed ``seed``). About 10 KB per frame at
    the default dpi. The returned object also carries ``.frames`` (the PNG bytes) and
    ``.epochs`` (the epoch of each frame). The PNG bytes depend on the matplotlib
    version, so a notebook cell showing the HTML player is tagged ``nbval-ignore-output``
    (the GIF's compared text/plain does not change).
    Chapter 05.
    """
    from IPython.display import HTML, Image

    if format not in ("html", "gif"):
        raise ValueError(f"xor_animation: format={format!r}; expected \"html\" (a player with a "
                         "slider) or \"gif\" (an animated image that plays without JavaScript).")
    if not 2 <= n_frames <= 60:
        raise ValueError(f"xor_animation: n_frames={n_frames}; use 2 to 60 frames to keep the "
                         "notebook small.")
    stops = np.unique(np.round(epochs * np.linspace(0, 1, n_frames) ** 2).astype(int))
    _, losses, snaps = train_xor(hidden, lr, epochs, seed=seed, snapshots=list(stops))
    pngs, captions = [], []
    for stop, predict in snaps:
        fig, ax = plt.subplots(figsize=(2.8, 2.8), layout="constrained")
        loss = "" if stop == 0 else f", loss {losses[stop - 1]:.3f}"
        xor_boundary(ax, predict, title=f"epoch {stop}{loss}", legend=False)
        pngs.append(_png(fig, dpi))
        captions.append(f"epoch {stop} of {epochs}{loss}")
    if format == "gif":
        out = Image(data=frames_gif(pngs), format="gif")
    else:
        out = HTML(frames_html(pngs, captions, element_id=element_id))
    out.frames, out.epochs = pngs, [int(s) for s, _ in snaps]
    return out
