"""Small hostile files get one clear line and exit 2, quickly: the reader's guards (sim/scenario/yaml_source.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SCENARIOS, wargame

from sim.report.build import templates

LAUGHS = "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9) if previous else ', '.join(['lol'] * 9)}]\n"
    for previous, name in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
)


def validate(path: Path, *args: object, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`wargame validate`, with a timeout: a reader that hangs fails the test instead of the suite."""
    command = [sys.executable, "-m", "sim.cli", "validate", str(path), *map(str, args)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def refused(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (LAUGHS, "more than 200,000 values"),  # 9**9 strings from a few hundred bytes
        ("a: " + "[" * 2000 + "]" * 2000 + "\n", "nested more than"),
        ("a:\n" + "".join("  " * k + f"k{k}:\n" for k in range(1, 60)) + "  " * 60 + "v: 1\n", "nested more than 40"),
        ('a: !!python/object/apply:os.system ["echo owned"]\n', "is not allowed"),
        ("a: !custom 3\n", "is not allowed"),
        ("a: " + "9" * 5000 + "\n", "an integer of thousands of digits"),
        ("a: " + "9" * 40 + "\n", "more than 18 digits"),
    ],
    ids=["billion-laughs", "deep-flow", "deep-block", "python-tag", "custom-tag", "huge-integer", "long-integer"],
)
def test_hostile_yaml_is_refused_in_one_line(tmp_path: Path, text: str, words: str):
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    refused(validate(path), words)


def test_nan_and_infinity_are_refused_where_they_are_written(tmp_path: Path):
    for number in (".nan", ".inf", "-.inf", "1e400"):
        path = tmp_path / "variant.yaml"
        path.write_text(
            f"extends: {SCENARIOS / 'baseline.yaml'}\nname: v\nparameters:\n"
            f"  deadline_days: {{dist: fixed, value: {number}, assumption: x}}\n"
        )
        result = validate(path)
        refused(result, "is not a finite number")
        assert result.stderr.startswith(f"{path}:4:"), result.stderr


def test_a_nan_answer_in_a_resolutions_file_is_refused(tmp_path: Path):
    path = tmp_path / "resolutions.yaml"
    source = (SCENARIOS / "resolutions" / "2025.yaml").read_text()
    path.write_text(source.replace("answer: true", "answer: .nan", 1).replace("answer: false", "answer: .nan", 1))
    result = validate(path, "--scenario", SCENARIOS / "baseline-questions.yaml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.endswith("nan is not a finite number") for line in lines)  # each by line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_pipe_given_as_a_scenario_does_not_block(tmp_path: Path):
    pipe = tmp_path / "scenario.yaml"
    os.mkfifo(pipe)
    refused(validate(pipe, timeout=30), "not a regular file")


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path):
    path = tmp_path / "big.yaml"
    with path.open("w") as handle:
        handle.write("description: >\n")
        handle.write(("  " + "x" * 98 + "\n") * 60_000)  # 6 MB
    refused(validate(path), "a file this reader takes is at most 5 MB")


@pytest.mark.parametrize(
    ("base", "words"),
    [
        ("/etc/passwd", "lies outside this scenario's project"),
        ("plain.yaml", "is not a scenario file"),
    ],
)
def test_extends_does_not_read_or_echo_files_that_are_not_scenarios(tmp_path: Path, base: str, words: str):
    (tmp_path / "plain.yaml").write_text("secret_key: hunter2\nroot: x:0:0\n")
    path = tmp_path / "variant.yaml"
    path.write_text(f"extends: {base}\nname: v\n")
    result = validate(path)
    refused(result, words)
    assert "hunter2" not in result.stderr and "secret_key" not in result.stderr and "x:0:0" not in result.stderr


def _project(tmp_path: Path) -> Path:
    """A project folder (marked by .wargame-root) holding a base, and a scenario folder outside it."""
    project = tmp_path / "project"
    (project / "scenarios").mkdir(parents=True)
    (project / ".wargame-root").touch()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    for folder in (project / "scenarios", outside):
        (folder / "base.yaml").write_text(
            (SCENARIOS / "examples" / "border-closure.yaml")
            .read_text()
            .replace("extends: ../baseline.yaml", f"extends: {SCENARIOS / 'baseline.yaml'}")
        )
    return project


@pytest.mark.parametrize("how", ["absolute", "dots", "symlink"])
def test_extends_stays_inside_the_scenario_s_project(tmp_path: Path, monkeypatch, capsys, how: str):
    from sim.cli import main

    project = _project(tmp_path)
    outside = tmp_path / "elsewhere" / "base.yaml"
    if how == "symlink":
        (project / "scenarios" / "link.yaml").symlink_to(outside)
    base = {"absolute": str(outside), "dots": "../../elsewhere/base.yaml", "symlink": "link.yaml"}[how]
    variant = project / "scenarios" / "variant.yaml"
    variant.write_text(f"extends: {base}\nname: v\n")
    monkeypatch.setenv("WARGAME_ALLOW_ROOT", str(SCENARIOS))  # the repository's baseline, which the bases extend
    assert main(["validate", str(variant)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"{variant}:1:1: extends: base scenario {base!r} lies outside this scenario's project")
    assert len(error.strip().splitlines()) == 1 and "border" not in error  # nothing of the base is echoed
    # Allowed explicitly, the same base is read.
    assert main(["--allow-root", str(tmp_path / "elsewhere"), "validate", str(variant)]) == 0
    assert capsys.readouterr().out == f"{variant}: ok\n"
    assert main(["validate", "--allow-root", str(tmp_path / "elsewhere"), str(variant)]) == 0  # after the command too


def test_bases_anywhere_inside_the_project_are_found(tmp_path: Path, monkeypatch, capsys):
    from sim.cli import main

    project = _project(tmp_path)
    (project / "variants").mkdir()
    variant = project / "variants" / "v.yaml"
    variant.write_text("extends: ../scenarios/base.yaml\nname: v\n")
    monkeypatch.setenv("WARGAME_ALLOW_ROOT", str(SCENARIOS))
    assert main(["validate", str(variant)]) == 0, capsys.readouterr().err


@pytest.mark.slow
def test_the_project_files_pass_the_guards():
    result = wargame(
        "validate",
        *sorted(SCENARIOS.glob("*.yaml")),
        *sorted(SCENARIOS.glob("*/*.yaml")),
        "--scenario",
        SCENARIOS / "baseline-questions.yaml",
    )
    assert result.returncode == 0, result.stderr


def test_markdown_reports_print_scenario_text_inert():
    """Markdown viewers render raw HTML and links: a scenario's text must not become either.

    Every value a Markdown template prints goes through `markdown_safe` (the environment's
    finalize); the HTML templates escape by autoescape (tests/test_report.py)."""
    evil = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    markdown = templates(autoescape=False).from_string("# {{ title }}\n| {{ title | cell }} |\n").render(title=evil)
    assert "<script" not in markdown and "<img" not in markdown
    assert not re.search(r"[^\\]\]\(javascript:", markdown)  # an escaped \] opens no link
    assert markdown.startswith("# &lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:alert(1))")


@pytest.mark.slow
def test_a_run_report_in_markdown_prints_a_hostile_title_inert(tmp_path: Path):
    variant = tmp_path / "evil.yaml"
    variant.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nname: evil\n"
        'title: "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"\n'
    )
    result = wargame("run", variant, "--runs", 40, "--seed", 1, "--workers", 1, "--out", tmp_path / "run", "--quiet")
    assert result.returncode == 0, result.stderr
    markdown = (tmp_path / "run" / "report.md").read_text()
    assert "<script" not in markdown and "<img" not in markdown
    assert not re.search(r"[^\\]\]\(javascript:", markdown)
