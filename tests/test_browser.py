"""The reports open in a real headless browser: no console errors, every image loaded.

Uses Debian's Chromium (installed by .ci/run) driven by Playwright. Screenshots are kept
under the test's temporary directory (and printed) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SCENARIOS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("Chromium is missing: .ci/run installs Debian's chromium for this test", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)")

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("browser")
    variant = root / "script-title.yaml"
    variant.write_text(
        f'extends: {SCENARIOS / "baseline.yaml"}\nname: script-title\ntitle: "<script>alert(1)</script> & co"\n'
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "run",
            variant,
            "--runs",
            "400",
            "--seed",
            "2",
            "--workers",
            "1",
            "--out",
            root / "run",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    compare = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "compare",
            SCENARIOS / "troops-belarus-13k.yaml",
            SCENARIOS / "troops-latvia-100-150k.yaml",
            "--runs",
            "400",
            "--seed",
            "2",
            "--workers",
            "1",
            "--out",
            root / "compare",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert compare.returncode == 0, compare.stderr
    return {"report": root / "run" / "report.html", "comparison": root / "compare" / "comparison.html"}


@pytest.mark.parametrize("name", ["report", "comparison"])
def test_report_opens_cleanly_in_a_real_browser(reports, name, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(reports[name].as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate(
            "Array.from(document.images).map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0}))"
        )
        screenshot = tmp_path / f"{name}.png"
        page.screenshot(path=str(screenshot), full_page=True)
        dialogs = page.evaluate("document.querySelectorAll('script').length")
        browser.close()
    print(f"screenshot: {screenshot}")
    assert problems == []
    assert images and all(image["ok"] for image in images)
    assert all(image["alt"] for image in images)  # every figure has alt text
    assert dialogs == 0  # nothing in the report runs as script
    assert screenshot.stat().st_size > 10_000


def test_markup_in_a_title_renders_as_text(reports):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(reports["report"].as_uri())
        heading = page.inner_text("h1")
        browser.close()
    assert heading == "<script>alert(1)</script> & co"
