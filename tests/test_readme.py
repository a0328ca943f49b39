"""README.md stays true: its two opening commands, the CI script that runs
the same test command, and the example program, which is executed."""

import re
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE_HEADING = "## Use nnbook in your own experiment"

INSTALL_COURSE = 'pip install -e ".[course]"'
INSTALL_DEV = 'pip install -e ".[dev]"'
TEST_COMMAND = "python -m pytest"

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def test_readme_starts_with_the_two_commands():
    body = README.split("\n", 1)[1]  # after the title line
    blocks = FENCE.findall(body)
    assert len(blocks) >= 2 and body.lstrip().startswith("```"), "README must open with two command blocks"
    (_, course), (_, dev) = blocks[:2]
    assert body.lstrip().startswith(f"```{blocks[0][0]}\n{course}```\n\n```"), (
        "nothing but a blank line may stand between the two opening command blocks"
    )
    assert INSTALL_COURSE in course and "jupyter lab notebooks/" in course, course
    assert INSTALL_DEV in dev and dev.rstrip().endswith(TEST_COMMAND), dev
    for command in (course, dev):
        assert len(command.strip().splitlines()) == 1, f"one command per block: {command!r}"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert INSTALL_DEV in ci and TEST_COMMAND in ci, (
        f".ci/run must install with {INSTALL_DEV} and run {TEST_COMMAND}, as the README does"
    )


def example_code():
    section = README.split(EXAMPLE_HEADING, 1)
    assert len(section) == 2, f"README has no {EXAMPLE_HEADING!r} section"
    section = section[1].split("\n## ", 1)[0]
    code = [block for lang, block in FENCE.findall(section) if lang == "python"]
    assert len(code) == 1, f"expected one python code block under {EXAMPLE_HEADING!r}, found {len(code)}"
    return code[0]


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    code = example_code()
    monkeypatch.chdir(tmp_path)  # the example saves a model file
    namespace = {"__name__": "__readme__"}
    exec(compile(code, "README.md example", "exec"), namespace)
    out = capsys.readouterr().out
    assert "test accuracy" in out, out
    assert namespace["accuracy"] >= 0.9, f"the README example reached only {namespace['accuracy']:.2f} accuracy"
