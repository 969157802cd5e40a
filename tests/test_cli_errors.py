"""Errors of the environment, not of the scenario: a closed pipe, a path that cannot be written, a full
disk, a damaged manifest. Each is one line and exit 2 (1 where the machine is at fault), never a traceback."""

from __future__ import annotations

import errno
import json
import pathlib
import shutil
import subprocess
import sys

import pytest
from conftest import BASELINE, REPO

import sim
from sim.cli import main


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    return sim.run(
        BASELINE, runs=50, seed=1, workers=1, out=tmp_path_factory.mktemp("runs") / "done", report=False
    ).path


def one_line(capsys, code: int, expected: int = 2) -> str:
    """The single line a command printed on stderr, after checking its exit code and that stdout stayed empty."""
    out, err = capsys.readouterr()
    assert code == expected, err
    assert "Traceback" not in err and not out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("args", [("schema",), ("schema", "--experiment")])
def test_output_closed_after_its_first_line_ends_quietly(args):
    """`wargame schema | head -1`: a real pipe, closed by the reader after one line. The scenario schema
    (68 kB) is more than a pipe holds, so its writer meets the closed pipe (a traceback before the fix)."""
    command = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *map(str, args)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert command.stdout.readline()
    command.stdout.close()
    stderr = command.stderr.read().decode()
    assert command.wait() in (0, 141)  # 0 when everything was written before the reader left
    assert stderr == ""


def test_an_out_under_a_file_names_the_file(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("a file")
    out = tmp_path / "notes.txt" / "run"
    line = one_line(
        capsys, main(["run", str(BASELINE), "--runs", "10", "--workers", "1", "--quiet", "--out", str(out)])
    )
    assert line == f"wargame run: {tmp_path / 'notes.txt'} is a file, not a directory (in {out})"


def test_an_out_that_cannot_exist_is_one_line(capsys):
    line = one_line(
        capsys, main(["run", str(BASELINE), "--runs", "10", "--workers", "1", "--quiet", "--out", "/proc/wargame"])
    )
    assert line.startswith("wargame run: no such file or directory") and line.endswith(": /proc/wargame")


@pytest.mark.parametrize(
    "code, words, exit_code",
    [
        (errno.EROFS, "read-only file system", 2),
        (errno.EACCES, "permission denied", 2),
        (errno.ENOSPC, "no space left on device", 1),  # the machine's fault, not the user's
    ],
)
def test_a_refused_out_is_one_line_by_errno(tmp_path, capsys, monkeypatch, code, words, exit_code):
    """Tests run as root here, so a read-only folder is simulated where the run directory is made."""

    def refuse(path, *args, **kwargs):
        raise OSError(code, "refused", str(path))

    monkeypatch.setattr(pathlib.Path, "mkdir", refuse)
    out = tmp_path / "run"
    line = one_line(
        capsys, main(["run", str(BASELINE), "--runs", "10", "--workers", "1", "--quiet", "--out", str(out)]), exit_code
    )
    assert line == f"wargame run: {words}: {out}"


def full_disk(monkeypatch):
    """Every write fails as a full disk's does: from write(), on a file already open, so with no file name."""

    def no_space(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pathlib.Path, "write_bytes", no_space)


def test_a_disk_that_fills_during_a_run_is_one_line(tmp_path, capsys, monkeypatch):
    full_disk(monkeypatch)
    out = tmp_path / "run"
    args = ["run", str(BASELINE), "--runs", "10", "--workers", "1", "--quiet", "--out", str(out)]
    assert one_line(capsys, main(args), 1) == f"wargame run: no space left on device: {out}"


def test_a_disk_that_fills_once_the_run_started_says_how_to_resume(tmp_path, capsys, monkeypatch):
    """The manifest is written, then the disk is full: the line says how to finish the run, and that works."""
    write_bytes = pathlib.Path.write_bytes

    def full_but_for_the_manifest(self, data):
        if "manifest.json" not in self.name:
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_bytes(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", full_but_for_the_manifest)
    out = tmp_path / "run"
    args = ["run", str(BASELINE), "--runs", "10", "--workers", "1", "--quiet", "--out", str(out)]
    line = one_line(capsys, main(args), 1)
    assert line == f"wargame run: no space left on device: {out}; once there is room, resume with: " + (
        f"wargame run --resume {out}"
    )
    monkeypatch.undo()  # room again
    assert main(["run", "--resume", str(out), "--workers", "1", "--quiet", "--no-report"]) == 0
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


@pytest.mark.slow  # a whole report (about 15 s of figures) before the disk fills
def test_a_disk_that_fills_during_a_report_is_one_line(finished_run, tmp_path, capsys, monkeypatch):
    run_dir = shutil.copytree(finished_run, tmp_path / "run")
    full_disk(monkeypatch)
    assert one_line(capsys, main(["report", str(run_dir)]), 1) == f"wargame report: no space left on device: {run_dir}"


def _without(key):
    def damage(manifest_path):
        manifest = json.loads(manifest_path.read_text())
        del manifest[key]
        manifest_path.write_text(json.dumps(manifest))

    return damage


def _with(**changes):
    def damage(manifest_path):
        manifest = json.loads(manifest_path.read_text())
        manifest.update(changes)
        manifest_path.write_text(json.dumps(manifest))

    return damage


DAMAGES = {
    "chunks of none": (_with(status="running", chunk_size=0), "chunk_size 0 is outside 1 to 1,000,000,000"),
    "negative chunks": (_with(status="running", chunk_size=-5), "chunk_size -5 is outside 1 to"),
    "a trillion": (_with(replications=10**12), "replications 1,000,000,000,000 is outside 0 to 1,000,000,000"),
    "no seed": (_without("seed"), "damaged manifest (no seed)"),
    "no scenario": (_without("scenario_as_run"), "damaged manifest (no scenario_as_run)"),
    "seed as text": (lambda p: p.write_text(p.read_text().replace('"seed": 1,', '"seed": "one",')), "seed is not"),
    "bare": (lambda p: p.write_text("{}"), "damaged manifest (no status, scenario, scenario_hash, seed,"),
    "empty": (lambda p: p.write_text(""), "unreadable manifest (empty)"),
    "not JSON": (lambda p: p.write_text("status: complete"), "unreadable manifest (not JSON: "),
    "a list": (lambda p: p.write_text("[]"), "unreadable manifest (not a JSON object)"),
    "unknown kind": (lambda p: p.write_text(p.read_text().replace("{", '{"kind": "x", ', 1)), "unknown kind 'x'"),
}


@pytest.mark.parametrize("command", [("report",), ("run", "--workers", "1", "--resume")])
@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_manifest_is_one_line(finished_run, tmp_path, capsys, command, damage):
    run_dir = shutil.copytree(finished_run, tmp_path / "run")
    damaging, fragment = DAMAGES[damage]
    damaging(run_dir / "manifest.json")
    line = one_line(capsys, main([*command, str(run_dir)]))
    assert line.startswith(f"{run_dir / 'manifest.json'}: ") and fragment in line
