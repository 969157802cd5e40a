"""Summary statistics and the report built from them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import BASELINE
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.analysis import summary
from sim.engine import compile_scenario
from sim.report import build_report, outcome_table, write_report
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


def test_scenario_text_is_escaped_in_html(run_of):
    run_dir = run_of('title: "<script>alert(1)</script> & co"\n')
    html = write_report(run_dir).read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_report_without_its_given_outcome_says_so(run_of):
    run_dir = run_of(
        "hypotheses: {routine: {weight: 1.0}, coercion: {weight: 0.0}, offensive: {weight: 0.0}}\n"
        "parameters: {offensive_intent_probability: {dist: fixed, value: 0.0, assumption: test}}\n"
    )
    assert not pq.read_table(run_dir / "replications.parquet").column("offensive.launched").to_numpy().any()
    write_report(run_dir)
    label = OutcomeCatalogue.from_manifest(store.read_manifest(run_dir)).label("offensive.launched")
    assert f"No replication had {label}." in (run_dir / "report.md").read_text()


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
def baseline_report(tmp_path_factory):
    """The report of 400 baseline replications (seed 3: a dozen offensives, so every section has rows)."""
    out = tmp_path_factory.mktemp("report") / "run"
    run_dir = run_batch(BatchRequest(compile_scenario(load_scenario(BASELINE)), replications=400, seed=3, out=out))
    manifest = store.read_manifest(run_dir)
    table = outcome_table(run_dir, group_columns(manifest["scenario_as_run"]))
    return build_report(manifest, table), table


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


def test_distribution_panels_are_legible(baseline_report):
    report, _ = baseline_report
    figure = next(item.figure for item in report.figures if item.name == "distributions")
    assert illegible_text(figure) == []
    titles = [axes.get_title() for axes in figure.axes if axes.get_title()]
    assert any("given Offensive from Belarus" in title for title in titles)
    assert "days" in [axes.get_xlabel() for axes in figure.axes]  # units on the x axis
