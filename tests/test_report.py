"""Summary statistics and the report built from them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.analysis import provenance, summary
from sim.engine import compile_scenario
from sim.report import build_report, outcome_table, run_report, write_report
from sim.report.build import format_number
from sim.report.plan import group_columns
from sim.runner import store
from sim.runner.batch import BatchRequest, run_batch
from sim.scenario import load_scenario
from sim.scenario.outcomes import OutcomeCatalogue


def test_wilson_interval_matches_published_values():
    # Newcombe (1998), table I: 0/10 -> 0 to 0.2775; 1/29 -> 0.0061 to 0.1718.
    assert summary.wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-5)
    assert summary.wilson_interval(1, 29) == pytest.approx((0.0061, 0.1718), abs=5e-5)


def test_probability_table_counts_each_yes_no_outcome():
    table = pd.DataFrame({"replication": range(4), "a.b": [True, False, False, True], "param.x": [True] * 4})
    row = summary.probability_table(table).set_index("outcome").loc["a.b"]
    assert (row["count"], row["replications"], row["probability"]) == (2, 4, 0.5)
    assert "param.x" not in summary.probability_table(table)["outcome"].tolist()


def test_cumulative_probability_rises_to_the_share_of_events():
    dates = [dt.date(2025, 9, 1), None, dt.date(2025, 9, 3), None]
    curve = summary.cumulative_probability(
        pd.DataFrame({"a.b.date": dates}), "a.b.date", dt.date(2025, 8, 31), dt.date(2025, 9, 4)
    )
    assert curve["probability"].tolist() == [0.0, 0.25, 0.25, 0.5, 0.5]
    assert (curve["ci_low"] <= curve["probability"]).all() and (curve["probability"] <= curve["ci_high"]).all()


@pytest.fixture
def run_of(tmp_path):
    def run(overrides_yaml: str, replications: int = 200):
        path = tmp_path / "scenario.yaml"
        path.write_text(f"extends: {BASELINE}\nname: report-test\n{overrides_yaml}")
        compiled = compile_scenario(load_scenario(path))
        return run_batch(BatchRequest(compiled, replications=replications, seed=4, out=tmp_path / "run"))

    return run


@pytest.mark.slow
def test_scenario_text_is_escaped_in_html(run_of):
    run_dir = run_of('title: "<script>alert(1)</script> & co"\n')
    html = write_report(run_dir).read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_an_outcome_that_never_happens_has_no_given_rows_and_no_word_in_the_briefing(run_of):
    run_dir = run_of(
        "hypotheses: {routine: {weight: 1.0}, coercion: {weight: 0.0}, offensive: {weight: 0.0}}\n"
        "parameters: {offensive_intent_probability: {dist: fixed, value: 0.0, assumption: test}}\n"
    )
    assert not pq.read_table(run_dir / "replications.parquet").column("offensive.launched").to_numpy().any()
    write_report(run_dir)
    label = OutcomeCatalogue.from_manifest(store.read_manifest(run_dir)).label("offensive.launched")
    assert f"No replication had {label}." in (run_dir / "report.md").read_text()
    briefing = (run_dir / "briefing.md").read_text()
    assert "Talks: ceasefire agreed" in briefing  # the briefing is there, and speaks of outcomes that vary
    assert label not in briefing
    html = (run_dir / "report.html").read_text()
    assert label not in html.split('<section id="briefing">')[1].split("</section>")[0]


@pytest.mark.slow
def test_report_draws_the_paths_through_every_actor(run_of):
    run_dir = run_of("")
    write_report(run_dir)
    actors = store.read_manifest(run_dir)["scenario_as_run"]["actors"]
    for actor in actors:
        assert (run_dir / "plots" / f"flow_{actor}.png").is_file()
        assert (run_dir / "plots" / f"flow_{actor}.svg").is_file()
    flows = pd.read_csv(run_dir / "flows.csv")
    assert set(flows["actor"]) <= set(actors)
    assert ((flows["share"] > 0) & (flows["share"] <= 1)).all()
    markdown = (run_dir / "report.md").read_text()
    assert "## Paths through each actor's states" in markdown
    assert "plots/flow_offensive.png" in markdown


def test_report_refuses_an_incomplete_run(run_of):
    run_dir = run_of("")
    manifest = store.read_manifest(run_dir)
    store.write_manifest(run_dir, {**manifest, "status": "interrupted"})
    with pytest.raises(store.RunDirectoryError, match="not complete"):
        write_report(run_dir)


def illegible_text(figure: Figure) -> list[str]:
    """Texts of a drawn figure that a reader cannot read: cut off by its edge, or overlapping
    another title or axis label (tick labels are checked against the edge only)."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    edge = figure.bbox
    ticks = {id(label) for axes in figure.axes for axis in (axes.xaxis, axes.yaxis) for label in axis.get_ticklabels()}
    shown_ticks = {  # matplotlib keeps labels of ticks beyond the axis limits, undrawn
        id(label)
        for axes in figure.axes
        if axes.axison  # an axes drawn without its axis (a diagram) shows no ticks
        for axis in (axes.xaxis, axes.yaxis)
        for tick in axis.get_major_ticks()
        if min(axis.get_view_interval()) <= tick.get_loc() <= max(axis.get_view_interval())
        for label in (tick.label1, tick.label2)
        if label.get_visible()
    }
    texts = [
        t
        for t in figure.findobj(Text)
        if t.get_visible() and t.get_text().strip() and (id(t) not in ticks or id(t) in shown_ticks)
    ]
    problems, headings = [], []
    for text in texts:
        box = text.get_window_extent(renderer)
        if box.x0 < edge.x0 - 1 or box.x1 > edge.x1 + 1 or box.y0 < edge.y0 - 1 or box.y1 > edge.y1 + 1:
            problems.append(f"cut off: {text.get_text()!r}")
        axes = text.axes
        if axes is not None and text in (axes.title, axes.xaxis.label, axes.yaxis.label):
            headings.append((text.get_text(), box))
    for index, (name, box) in enumerate(headings):
        problems += [
            f"{name!r} overlaps {other!r}" for other, other_box in headings[index + 1 :] if box.overlaps(other_box)
        ]
    return problems


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    """400 baseline replications (seed 3: a dozen offensives, so every section has rows)."""
    out = tmp_path_factory.mktemp("report") / "run"
    return run_batch(BatchRequest(compile_scenario(load_scenario(BASELINE)), replications=400, seed=3, out=out))


@pytest.fixture(scope="module")
def baseline_report(baseline_run):
    manifest = store.read_manifest(baseline_run)
    table = outcome_table(baseline_run, group_columns(manifest["scenario_as_run"]))
    return build_report(manifest, table), table


def test_failed_replications_are_named_in_the_report_header(baseline_run, baseline_report):
    report, table = baseline_report
    assert "failed" not in report.markdown.split("## ")[0]
    manifest = {**store.read_manifest(baseline_run), "failures": 3}  # as a run with failures records it
    failed = build_report(manifest, table)
    assert (
        "**3 replications failed** and are left out of every figure and table below" in failed.markdown.split("## ")[0]
    )
    assert "3 replications failed</strong>" in failed.html.split("</header>")[0]


@pytest.fixture(scope="module")
def full_report(baseline_run):
    """The report as `wargame run` builds it: with the drawn parameters and the event log."""
    return run_report(baseline_run)


def test_baseline_briefing_gives_ranges_with_what_they_cover_drivers_and_the_hypotheses_spread(full_report):
    report = full_report
    briefing = report.briefing
    assert briefing.startswith("# Briefing: ")
    sentences = briefing.split("\n\n")[2:6]
    assert "\n\n".join(sentences) in report.markdown.split("## Briefing")[1]  # the report opens with the same
    assert sentences[0].startswith("By 2025-12-31 the model gives Talks: ceasefire agreed ")
    assert "95% intervals of simulation error only" in sentences[1] and "not the uncertainty" in sentences[1]
    assert "from one intent hypothesis to another" in sentences[1]
    assert "across how the Alaska summit ended" in sentences[1]
    assert "by first-order share" in sentences[2] and "the intent hypothesis accounts for" in sentences[2]
    # Parameters drawn differently under each hypothesis are measured beyond it, not credited with its effect.
    assert "preparation under cover" not in sentences[2]
    # The summit's ending decides the ceasefire (100% after a ceasefire in Alaska): not quoted as a spread.
    assert "across how the Alaska summit ended, Talks: ceasefire agreed" not in sentences[1]
    assert sentences[3].startswith("Knowing ")
    # What the scenario says the summit and intent decide: the ceasefire is certain after one in Alaska,
    # and an offensive happens only under the offensive hypothesis.
    assert "ceasefire 100.0%" in briefing and "routine 0.0%" in briefing
    html = report.html.split('<section id="briefing">')[1].split("</section>")[0]
    assert "simulation error only" in html
    assert "drivers: share of variance" in html and "; beyond it: " in html  # a cell: the hypothesis, then beyond it
    # Measurement noise moves no headline outcome: it is never named a driver.
    for noise in ("official figure noise", "western estimate noise", "western estimate bias"):
        assert noise not in html


def test_every_figure_is_legible_and_probabilities_label_their_values(full_report, baseline_report):
    _, table = baseline_report
    figures = {item.name: item.figure for item in full_report.figures}
    assert {"outcome_probabilities", "by_hypothesis", "timeline", "flow_talks", "flow_airspace"} <= set(figures)
    for name, figure in figures.items():
        assert illegible_text(figure) == [], name
    launched = table["offensive.launched"].mean()
    texts = [t.get_text() for t in figures["outcome_probabilities"].findobj(Text)]
    assert f"{launched:.1%}" in texts  # a small probability is written beside its bar


def test_categorical_parameters_show_what_they_move_by_correlation_ratio():
    rng = np.random.default_rng(5)
    law = rng.choice(["square", "linear"], 3000)
    scenario = {
        "claims": {"c1": {"quote": "q", "by": "someone"}},
        "parameters": {"law": {"dist": "categorical", "source": "c1"}, "pace": {"dist": "uniform", "source": "c1"}},
    }
    table = pd.DataFrame(
        {
            "param.law": law,
            "param.pace": rng.random(3000),
            "won": rng.random(3000) < np.where(law == "square", 0.8, 0.2),
        }
    )
    rows = provenance.provenance_table(scenario, table).set_index("parameter")
    (outcome, eta), *_ = rows.loc["law", "moves"]
    # eta of a 0.8 / 0.2 split of equal halves: 0.3 / 0.5 = 0.6; its standard error here is about 0.015.
    assert (outcome, rows.loc["law", "measure"]) == ("won", "η") and eta == pytest.approx(0.6, abs=0.05)
    assert rows.loc["pace", "moves"] == [] and rows.loc["pace", "measure"] == "ρ"  # no effect, nothing listed


def test_tables_print_whole_numbers_whole_and_float_noise_as_zero():
    assert [format_number(v) for v in (2.0, 0.0, 8.674e-19, -3e-17, 1.2345, 12.345, 20681.0)] == [
        "2",
        "0",
        "0",
        "0",
        "1.23",
        "12.3",
        "20,681",
    ]


def test_internal_variables_stay_in_the_tables_and_out_of_the_report(baseline_report):
    """The baseline's bookkeeping variables (`internal: true`) are columns, not report rows."""
    report, table = baseline_report
    for column, label in (("crises_counted", "crisis triggers already taken"), ("alaska_reacted", "deadline decision")):
        assert column in table.columns
        assert label not in report.markdown and label not in report.html
    assert "crisis triggers (measures" in report.markdown  # a variable that is not bookkeeping is shown


def test_report_says_where_each_actor_ends_with_catalogue_labels(baseline_report):
    report, table = baseline_report
    markdown = report.markdown
    section = markdown.split("## Where each actor ends")[1].split("\n## ")[0]
    launched = (table["offensive"] == "launched").sum()
    low, high = summary.wilson_interval(int(launched), len(table))
    # One row per final state an actor reaches, named as the catalogue names the state.
    assert (
        f"| offensive launched | {launched} of {len(table)} | {launched / len(table):.1%} | {low:.1%} to {high:.1%} |"
        in section
    )
    assert "| Offensive from Belarus | ready, no order to attack |" in section
    assert "NATO consultations" in section and "Zapad-2025" in section
    assert 'id="endings"' in report.html and "Where each actor ends" in report.html


def test_category_variable_set_only_given_is_shown_over_those_replications(baseline_report):
    report, table = baseline_report
    given = table[table["offensive.launched"]]
    assert len(given) >= 5  # the shares below need a few offensives
    section = report.markdown.split("## Given ")[1].split("\n## ")[0]
    counts = given["combat_end"].value_counts()
    for value, count in counts.items():
        assert f"| {value.replace('_', ' ')} | {count} of {len(given)} |" in section
    assert "how the fighting ended" in section
    assert "how the fighting ended" not in report.markdown.split("## Where each actor ends")[1].split("\n## ")[0]


def test_group_means_show_a_dash_where_a_group_has_no_value(baseline_report):
    report, _ = baseline_report
    markdown = report.markdown
    assert "n/a ± n/a" not in markdown and "n/a" not in markdown.split("## By ")[1]
    # Under the routine hypothesis no offensive is ordered, so there are no attackers left to average.
    routine = markdown.split("## By intent hypothesis")[1].split("\n## ")[0]
    assert "| attackers left when the fighting stops | — |" in routine
    assert "A dash (—): no replication of the group has the outcome" in routine
    assert "&mdash;" in report.html and "n/a <small>&plusmn; n/a" not in report.html


def test_group_means_of_the_given_outcomes_agree_with_the_given_section(baseline_report):
    """Force ratio and days of fighting are recorded (0 or a ratio of unengaged troops) without an offensive;
    by hypothesis they are averaged, as in the Given section, over the offensives alone."""
    report, table = baseline_report
    given = table[table["offensive.launched"]]
    section = report.markdown.split("## By intent hypothesis")[1].split("\n## ")[0]
    means, given_means = section.split("Given Offensive from Belarus: offensive launched: means")
    assert "days of fighting" not in means and "force ratio" not in means
    combat_days = given[given["hypothesis"] == "offensive"]["combat_days"]
    expected = format_number(combat_days.mean()) + " ± " + format_number(combat_days.std() / len(combat_days) ** 0.5)
    header = next(line for line in given_means.splitlines() if line.startswith("| outcome |"))
    row = next(line for line in given_means.splitlines() if line.startswith("| days of fighting |"))
    cells = dict(zip(header.strip(" |").split(" | "), row.strip(" |").split(" | "), strict=True))
    # No offensive under routine or coercion: a dash, not a mean of zeros.
    assert (cells["offensive"], cells["routine"], cells["coercion"]) == (expected, "—", "—")
    assert f"offensive {len(combat_days)}" in given_means and "routine 0" in given_means
    given_section = report.markdown.split("## Given ")[1].split("\n## ")[0]
    assert f"| days of fighting | {len(given)} | {format_number(combat_days.mean())} |" in given_section


def test_failed_replications_are_named_in_the_briefing_first_lines(baseline_run, baseline_report):
    _, table = baseline_report
    manifest = {**store.read_manifest(baseline_run), "failures": 1}
    first_lines = build_report(manifest, table).briefing.split("\n\n")[:3]
    assert "**1 replication failed** and is left out of every figure below" in first_lines[1]


def test_distribution_panels_are_legible(baseline_report):
    report, _ = baseline_report
    figure = next(item.figure for item in report.figures if item.name == "distributions")
    assert illegible_text(figure) == []
    titles = [axes.get_title() for axes in figure.axes if axes.get_title()]
    assert any("given Offensive from Belarus" in title for title in titles)
    assert "days" in [axes.get_xlabel() for axes in figure.axes]  # units on the x axis
