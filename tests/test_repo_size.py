"""The committed notebooks stay lean (issue 11): the whole notebooks/ folder is under
10 MB and no single stored figure is huge, so a clone stays quick and diffs readable."""

import base64
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
BUDGET = 10 * 1024 * 1024            # bytes, the whole folder
FIGURE_BUDGET = 1024 * 1024          # bytes, one stored image


def test_notebooks_folder_is_under_10_mb():
    files = [p for p in NOTEBOOKS.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts]
    assert files, "notebooks/ is empty"
    total = sum(p.stat().st_size for p in files)
    biggest = sorted(files, key=lambda p: p.stat().st_size)[-3:]
    assert total < BUDGET, (
        f"notebooks/ holds {total / 2**20:.1f} MB, over the 10 MB budget. Largest: "
        + ", ".join(f"{p.name} {p.stat().st_size / 2**20:.1f} MB" for p in biggest)
        + ". Save figures as PNG at a lower dpi or show fewer frames.")


def test_no_stored_image_is_over_1_mb():
    for path in sorted(NOTEBOOKS.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            for out in cell.get("outputs", []):
                for mime, data in out.get("data", {}).items():
                    if mime.startswith("image/") and not mime.endswith("svg+xml"):
                        size = len(base64.b64decode("".join(data)))
                        assert size < FIGURE_BUDGET, (
                            f"{path.name} cell {i}: a {mime} of {size / 2**20:.1f} MB; "
                            "use a lower dpi or a smaller figure.")
