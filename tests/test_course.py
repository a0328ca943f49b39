"""README's first command opens the course on the learner's copies (tools/course.py).

JupyterLab autosaves the notebooks a learner works in; working in notebooks/ wrote a
half-finished Run All into the committed notebooks, which nbval compares against and
`git pull` then conflicts with (issue 66). The copies live in my-notebooks/, which git
ignores: the first start copies every file, a later one only what is missing, a copy is
never overwritten, and `--reset 05` gives chapter 05 back as committed (the learner's copy
kept as 05_xor.old.ipynb).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402  (tools/course.py)


@pytest.fixture
def source(tmp_path):
    """A small stand-in for notebooks/: two chapters, an extra with the script it runs, and
    the checkpoints and caches JupyterLab and Python leave."""
    src = tmp_path / "notebooks"
    (src / "extras").mkdir(parents=True)
    (src / "00_big_picture.ipynb").write_text("committed 00", encoding="utf-8")
    (src / "05_xor.ipynb").write_text("committed 05", encoding="utf-8")
    (src / "extras" / "moving_on.ipynb").write_text("committed extra", encoding="utf-8")
    (src / "extras" / "ddp_step.py").write_text("# read by the extra", encoding="utf-8")
    (src / ".ipynb_checkpoints").mkdir()
    (src / ".ipynb_checkpoints" / "05_xor-checkpoint.ipynb").write_text("x", encoding="utf-8")
    (src / "extras" / "__pycache__").mkdir()
    (src / "extras" / "__pycache__" / "ddp_step.cpython-311.pyc").write_bytes(b"x")
    return src


def test_the_first_start_copies_every_course_file(source, tmp_path):
    copies = tmp_path / "my-notebooks"
    made = course.copy_missing(copies, source)
    expected = ["00_big_picture.ipynb", "05_xor.ipynb", "extras/ddp_step.py", "extras/moving_on.ipynb"]
    assert sorted(p.as_posix() for p in made) == expected
    assert sorted(p.relative_to(copies).as_posix() for p in copies.rglob("*") if p.is_file()) == expected
    assert (copies / "05_xor.ipynb").read_text(encoding="utf-8") == "committed 05"


def test_a_later_start_never_overwrites_a_copy_and_adds_new_chapters(source, tmp_path):
    copies = tmp_path / "my-notebooks"
    course.copy_missing(copies, source)
    (copies / "05_xor.ipynb").write_text("my half-finished run", encoding="utf-8")
    (source / "05_xor.ipynb").write_text("committed 05, updated by git pull", encoding="utf-8")
    (source / "06_deep_networks.ipynb").write_text("a new chapter", encoding="utf-8")
    (copies / "00_big_picture.ipynb").unlink()          # deleted: copied again
    made = course.copy_missing(copies, source)
    assert sorted(p.as_posix() for p in made) == ["00_big_picture.ipynb", "06_deep_networks.ipynb"]
    assert (copies / "05_xor.ipynb").read_text(encoding="utf-8") == "my half-finished run"
    assert (copies / "06_deep_networks.ipynb").read_text(encoding="utf-8") == "a new chapter"
    assert (source / "05_xor.ipynb").read_text(encoding="utf-8") == "committed 05, updated by git pull"


def test_reset_gives_one_chapter_back_and_keeps_the_learners_copy(source, tmp_path):
    copies = tmp_path / "my-notebooks"
    course.copy_missing(copies, source)
    (copies / "05_xor.ipynb").write_text("my work", encoding="utf-8")
    (copies / "00_big_picture.ipynb").write_text("my other work", encoding="utf-8")
    kept = course.reset("05", copies, source)
    assert kept == copies / "05_xor.old.ipynb" and kept.read_text(encoding="utf-8") == "my work"
    assert (copies / "05_xor.ipynb").read_text(encoding="utf-8") == "committed 05"
    assert (copies / "00_big_picture.ipynb").read_text(encoding="utf-8") == "my other work"
    assert course.reset("5", copies, source) == kept            # "5" names chapter 05 too
    assert course.reset("05_xor", copies, source) == kept
    with pytest.raises(SystemExit, match="no single chapter '07'.*00_big_picture, 05_xor"):
        course.reset("07", copies, source)


def test_the_command_copies_the_real_notebooks_and_names_the_folder(tmp_path):
    copies = tmp_path / "my-notebooks"
    run = [sys.executable, str(ROOT / "tools" / "course.py"), f"--into={copies}", "--no-lab"]
    first = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    committed = course.course_files()
    assert "copied" in first.stdout and "notebooks/ stays as committed" in first.stdout
    assert sorted(course.course_files(copies)) == committed
    chapter = copies / "05_xor.ipynb"
    chapter.write_text("{}", encoding="utf-8")
    again = subprocess.run(run + ["--reset", "05"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "05_xor.ipynb copied again; yours is now 05_xor.old.ipynb" in again.stdout, again.stdout
    assert chapter.read_bytes() == (course.NOTEBOOKS / "05_xor.ipynb").read_bytes()


def test_git_ignores_the_copies():
    if shutil.which("git") is None or subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout: .gitignore is not read here")
    for name in ("my-notebooks/05_xor.ipynb", "my-notebooks/extras/ddp_step.py"):
        done = subprocess.run(["git", "check-ignore", "--no-index", "-q", name], cwd=ROOT)
        assert done.returncode == 0, f".gitignore does not cover {name}"
    done = subprocess.run(["git", "check-ignore", "--no-index", "-q", "notebooks/05_xor.ipynb"], cwd=ROOT)
    assert done.returncode == 1, ".gitignore covers the committed notebooks"
