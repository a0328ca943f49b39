"""The committed notebooks stay lean (issue 11): no notebook over 1.5 MB, the folder under
700 KB per notebook on average (10 MB was the budget for the first 14 chapters; the budget
now grows with the course, not with its figures), and no single stored figure is huge, so a
clone stays quick and diffs readable."""

import base64
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PER_NOTEBOOK = 700 * 1024             # bytes, the folder's average per notebook
NOTEBOOK_BUDGET = 1536 * 1024        # bytes, one notebook
FIGURE_BUDGET = 1024 * 1024          # bytes, one stored image


def test_notebooks_folder_stays_lean():
    files = [p for p in NOTEBOOKS.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts]
    assert files, "notebooks/ is empty"
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    for p in notebooks:
        assert p.stat().st_size < NOTEBOOK_BUDGET, (
            f"{p.name} holds {p.stat().st_size / 2**20:.1f} MB, over the 1.5 MB budget of a "
            f"notebook. Save figures as PNG at a lower dpi or show fewer frames.")
    total = sum(p.stat().st_size for p in files)
    budget = PER_NOTEBOOK * len(notebooks)
    biggest = sorted(files, key=lambda p: p.stat().st_size)[-3:]
    assert total < budget, (
        f"notebooks/ holds {total / 2**20:.1f} MB, over its budget of "
        f"{budget / 2**20:.1f} MB (700 KB per notebook). Largest: "
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
