"""The reports open in a real headless browser: no console errors, every image loaded.

Uses Debian's Chromium (installed by .ci/run) driven by Playwright. Screenshots are kept
under the test's temporary directory (and printed) for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import SCENARIOS, wargame

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("Chromium is missing: .ci/run installs Debian's chromium for this test", pytrace=False)
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (apt-get install chromium)"),
    pytest.mark.slow,  # five reports and a browser: CI runs them with the slow set
]

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def succeed(*args: object) -> None:
    result = wargame(*args)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("browser")
    variant = root / "script-title.yaml"
    variant.write_text(
        f'extends: {SCENARIOS / "baseline.yaml"}\nname: script-title\ntitle: "<script>alert(1)</script> & co"\n'
    )
    succeed("run", variant, "--runs", 200, "--seed", 2, "--workers", 1, "--out", root / "run")
    belarus, latvia = SCENARIOS / "troops-belarus-13k.yaml", SCENARIOS / "troops-latvia-100-150k.yaml"
    succeed("compare", belarus, latvia, "--runs", 200, "--seed", 2, "--workers", 1, "--out", root / "compare")
    factors = "time_to_ready_days,force_ratio_threshold=1.5:3.5"
    succeed(
        "sensitivity",
        SCENARIOS / "baseline.yaml",
        "--params",
        factors,
        "--samples",
        8,
        "--runs",
        100,  # enough that the offensive varies beyond a point's noise: the report then draws its figures
        "--seed",
        2,
        "--workers",
        1,
        "--out",
        root / "experiment",
    )
    succeed("assess", root / "run", "--evidence", SCENARIOS / "evidence" / "zapad-september.yaml")
    decisions = SCENARIOS / "decisions" / "baseline.yaml"
    succeed(
        "decide", decisions, "--runs", 60, "--seed", 2, "--max-courses", 6, "--workers", 1, "--out", root / "decide"
    )
    return {
        "report": root / "run" / "report.html",
        "comparison": root / "compare" / "comparison.html",
        "experiment": root / "experiment" / "report.html",
        "assessment": root / "run" / "assessments" / "zapad-september" / "assessment.html",
        "decision": root / "decide" / "report.html",
    }


@contextmanager
def browser_page(path: Path) -> Iterator[tuple[Page, list[str]]]:
    """A headless Chromium page showing `path`, and the console errors it logged."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        try:
            yield page, problems
        finally:
            browser.close()


@pytest.mark.parametrize("name", ["report", "comparison", "experiment", "assessment", "decision"])
def test_report_opens_cleanly_in_a_real_browser(reports, name, tmp_path):
    screenshot = tmp_path / f"{name}.png"
    with browser_page(reports[name]) as (page, problems):
        images = page.evaluate(
            "Array.from(document.images).map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0}))"
        )
        scripts = page.evaluate("document.querySelectorAll('script').length")
        page.screenshot(path=str(screenshot), full_page=True)
    print(f"screenshot: {screenshot}")
    assert problems == []
    assert images and all(image["ok"] for image in images)
    assert all(image["alt"] for image in images)  # every figure has alt text
    assert scripts == 0  # nothing in the report runs as script
    assert screenshot.stat().st_size > 10_000


def test_markup_in_a_title_renders_as_text(reports):
    with browser_page(reports["report"]) as (page, problems):
        heading = page.inner_text("h1")
    assert heading == "<script>alert(1)</script> & co" and problems == []


def test_run_report_opens_with_a_briefing_and_every_interval_says_what_it_covers(reports):
    """The briefing is the first section, in sentences and a table; any heading, sentence, list
    item or figure text that speaks of an interval says it is one of simulation error."""
    with browser_page(reports["report"]) as (page, problems):
        first = page.evaluate("document.querySelector('main section').id")
        sentences = page.locator("#briefing div.briefing p").all_inner_texts()
        drivers = page.locator("#briefing table th").all_inner_texts()
        intervals = page.evaluate(
            "Array.from(document.querySelectorAll('th, td, p, li, figcaption, dt, dd'))"
            ".map(e => e.innerText).concat(Array.from(document.images).map(i => i.alt))"
            ".filter(t => /interval/i.test(t))"
        )
    assert problems == [] and first == "briefing"
    assert 2 <= len(sentences) <= 5 and "simulation error only" in sentences[1]
    assert "from one intent hypothesis to another" in sentences[1]
    assert "drivers: share of variance" in drivers
    unexplained = [text for text in intervals if not re.search("simulation|Monte Carlo", text)]
    assert intervals and unexplained == []
