"""Fuzzing the file readers: mutated scenario, evidence, resolutions and experiment files never
give a traceback or a hang, only `ok` or one line per problem with exit code 2.

Each example starts from a real file of scenarios/ and applies a few edits a hostile or careless
user could make (lines deleted, duplicated, moved or re-indented, values replaced by NaN,
infinities, huge numbers, tags, aliases, unbalanced brackets, random text, a file cut short).
The budget is fixed and the examples derandomised, so CI sees the same cases every time:
about 50 in the default suite, six times as many behind the slow marker.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main

REPO = Path(__file__).resolve().parent.parent
HANG_SECONDS = 60  # the slowest honest case (an experiment over the baseline) validates in about a second

HOSTILE_VALUES = [
    ".nan", ".inf", "-.inf", "~", "[]", "{}", "''", "1e400", "-1", "0", "true", "9" * 40, "-" + "9" * 25,
    "!!python/object/apply:os.system ['true']", "!!binary AA==", "&a [1, 2]", "*a", "*nowhere",
    "[[[[[[[[[[", "{a: 1", "'unterminated", '"\\x00"', "2025-13-40", "? key", "|", ">-", "<<: *a",
    "0x7fffffffffffffffffff", "1_000_000", ".5", "1e-400", "baseline.yaml", "/etc/passwd", "../../../etc/hosts",
]  # fmt: skip

FILES = {
    "scenario": ("scenarios/examples/border-closure.yaml", ()),
    "variant": ("scenarios/intent-routine.yaml", ()),
    "evidence": ("scenarios/evidence/zapad-september.yaml", ("--scenario", "scenarios/baseline.yaml")),
    "resolutions": ("scenarios/resolutions/2025.yaml", ("--scenario", "scenarios/baseline.yaml")),
    "experiment": ("scenarios/experiments/baseline-uncertainties.yaml", ()),
}


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` with one to four hostile edits."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = [""]
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["delete", "duplicate", "value", "insert", "indent", "swap", "cut", "text"]))
        if edit == "delete":
            del lines[i]
        elif edit == "duplicate":
            lines.insert(i, lines[i])
        elif edit == "value":
            key, colon, _ = lines[i].partition(":")
            value = draw(st.sampled_from(HOSTILE_VALUES) | st.text(max_size=12))
            lines[i] = f"{key}: {value}" if colon else f"{lines[i]} {value}"
        elif edit == "insert":
            indent = " " * draw(st.sampled_from([0, 1, 2, 4, 6, 8]))
            key = draw(st.sampled_from(["extends", "parameters", "value", "x", "- y", "hypotheses", "<<"]))
            lines.insert(i, f"{indent}{key}: {draw(st.sampled_from(HOSTILE_VALUES))}")
        elif edit == "indent":
            lines[i] = " " * draw(st.integers(0, 9)) + lines[i].lstrip()
        elif edit == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif edit == "cut":
            cut = "\n".join(lines)
            lines = cut[: draw(st.integers(0, len(cut)))].splitlines()
        else:
            lines[i] = draw(st.text(max_size=30))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of scenarios/, so a mutated file sits where its `extends` and `scenario` paths resolve."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    (root / ".wargame-root").touch()  # the copy is a project of its own: its bases lie inside it
    return root


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang(f"no answer within {HANG_SECONDS} s")


def validate_without_traceback(project: Path, kind: str, text: str) -> None:
    original, options = FILES[kind]
    path = project / Path(original).with_name("fuzzed-" + Path(original).name)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    arguments = ["validate", str(path), *[str(project / o) if o.endswith(".yaml") else o for o in options]]
    stderr = io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
            code = main(arguments)  # any exception escaping main would be a traceback for the user
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert code in (0, 2), f"exit {code} for:\n{text}"
    if code == 2:
        assert stderr.getvalue().strip(), f"exit 2 without a word for:\n{text}"
        assert "Traceback" not in stderr.getvalue()


def _fuzz(kind: str, examples: int):
    original = (REPO / FILES[kind][0]).read_text(encoding="utf-8")

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,  # the same cases on every machine: CI cannot pass one day and fail the next
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(text=mutated(original))
    def check(project: Path, text: str) -> None:
        validate_without_traceback(project, kind, text)

    return check


DEFAULT_BUDGET = {"scenario": 20, "variant": 12, "evidence": 6, "resolutions": 6, "experiment": 4}


@pytest.mark.parametrize("kind", list(FILES))
def test_mutated_files_give_one_line_errors_never_a_traceback(project: Path, kind: str):
    _fuzz(kind, DEFAULT_BUDGET[kind])(project)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(FILES))
def test_many_more_mutated_files_give_one_line_errors_never_a_traceback(project: Path, kind: str):
    _fuzz(kind, 6 * DEFAULT_BUDGET[kind])(project)
