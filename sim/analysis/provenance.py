"""From the report's claims to the parameters resting on them to the outcomes they move.

A numeric parameter's influence on an outcome is measured by Spearman's rank correlation
between its drawn values and the outcome across replications; a categorical parameter has
no order, so by the correlation ratio eta (how much of the outcome's spread its categories
account for, bias-adjusted): crude, but enough to say which assumptions matter for which
answer. Global sensitivity analysis proper is `wargame sensitivity`'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.briefing import epsilon_squared
from sim.analysis.summary import PARAMETER_PREFIX, outcome_columns

TOP_OUTCOMES = 3
CORRELATION_ROWS = 20_000
MIN_INFLUENCE = 0.05  # |rho| or eta below this is not listed: noise at a few thousand replications
RHO, ETA = "ρ", "η"


def claim_sources(scenario: Mapping[str, Any]) -> dict[str, list[str]]:
    """Parameter name -> the claims it cites (its own `source:` and its mixture components')."""
    cited: dict[str, list[str]] = {}
    for name, distribution in scenario.get("parameters", {}).items():
        sources = [distribution.get("source")] + [c.get("source") for c in distribution.get("components", [])]
        cited[name] = sorted({s for s in sources if s})
    for hypothesis in scenario.get("hypotheses", {}).values():
        for name, distribution in hypothesis.get("overrides", {}).items():
            if distribution.get("source"):
                cited.setdefault(name, [])
                cited[name] = sorted({*cited[name], distribution["source"]})
    return cited


def rank_correlations(table: pd.DataFrame, limit: int = CORRELATION_ROWS) -> pd.DataFrame:
    """Spearman correlation of every numeric drawn parameter with every outcome (rows: parameters).

    Computed on the first `limit` replications (a fixed, reproducible subset: enough to rank
    influences, cheap for a million-row run); rows where the outcome is missing are left out.
    """
    sample = table.iloc[:limit]
    parameters = [c for c in sample.columns if c.startswith(PARAMETER_PREFIX) and _varies(sample[c])]
    outcomes = [c for c in outcome_columns(sample, "bool") + outcome_columns(sample, "number") if _varies(sample[c])]
    names = [p.removeprefix(PARAMETER_PREFIX) for p in parameters]
    result = pd.DataFrame(index=names, columns=outcomes, dtype=float)
    values = sample[parameters].astype(float)
    all_ranks = _standardised(values.rank().to_numpy())
    for outcome in outcomes:
        y = sample[outcome].astype(float)
        keep = y.notna().to_numpy()
        if keep.sum() < 3:
            continue
        x_ranks = all_ranks if keep.all() else _standardised(values[keep].rank().to_numpy())
        y_ranks = _standardised(y[keep].rank().to_numpy()[:, None])
        result[outcome] = (x_ranks * y_ranks).mean(axis=0)
    return result


def correlation_ratios(table: pd.DataFrame, limit: int = CORRELATION_ROWS) -> pd.DataFrame:
    """The correlation ratio eta of every categorical drawn parameter (text values) with every
    outcome (rows: parameters), bias-adjusted (the square root of epsilon squared, 0 when
    that is negative), over the first `limit` replications; missing outcomes left out."""
    sample = table.iloc[:limit]
    parameters = [
        c
        for c in sample.columns
        if c.startswith(PARAMETER_PREFIX) and _categorical(sample[c]) and sample[c].nunique() > 1
    ]
    outcomes = [c for c in outcome_columns(sample, "bool") + outcome_columns(sample, "number") if _varies(sample[c])]
    result = pd.DataFrame(index=[p.removeprefix(PARAMETER_PREFIX) for p in parameters], columns=outcomes, dtype=float)
    for parameter in parameters:
        codes = pd.factorize(sample[parameter].astype(str))[0]
        for outcome in outcomes:
            y = sample[outcome].to_numpy(dtype=float)
            keep = ~np.isnan(y)
            if keep.sum() < 3:
                continue
            kept = pd.factorize(codes[keep])[0]
            result.loc[parameter.removeprefix(PARAMETER_PREFIX), outcome] = np.sqrt(
                max(float(epsilon_squared(kept, y[keep])[0]), 0.0)
            )
    return result


def _standardised(ranks: np.ndarray) -> np.ndarray:
    """Columns centred and scaled to unit variance (a constant column becomes NaN)."""
    spread = ranks.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (ranks - ranks.mean(axis=0)) / np.where(spread > 0, spread, np.nan)


def provenance_table(scenario: Mapping[str, Any], table: pd.DataFrame) -> pd.DataFrame:
    """One row per claim and parameter citing it: the quote, who said it, and the outcomes it moves most."""
    correlations, ratios = rank_correlations(table), correlation_ratios(table)
    claims = scenario.get("claims", {})
    rows = []
    for parameter, sources in sorted(claim_sources(scenario).items()):
        categorical = parameter in ratios.index
        strongest = _strongest(ratios if categorical else correlations, parameter)
        for claim_id in sources:
            claim = claims.get(claim_id, {})
            rows.append(
                {
                    "claim": claim_id,
                    "quote": claim.get("quote", ""),
                    "by": claim.get("by", ""),
                    "parameter": parameter,
                    "moves": strongest,
                    "measure": ETA if categorical else RHO,
                }
            )
    return pd.DataFrame(rows, columns=["claim", "quote", "by", "parameter", "moves", "measure"])


def _strongest(correlations: pd.DataFrame, parameter: str) -> list[tuple[str, float]]:
    if parameter not in correlations.index:
        return []
    row = correlations.loc[parameter].dropna()
    order = row.abs().sort_values(ascending=False).index[:TOP_OUTCOMES]
    return [(outcome, float(row[outcome])) for outcome in order if abs(row[outcome]) >= MIN_INFLUENCE]


def _categorical(series: pd.Series) -> bool:
    """Text values (a categorical parameter's draws), whatever pandas stores them as."""
    return not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series))


def _varies(series: pd.Series) -> bool:
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        return False
    values = series.dropna().astype(float)
    return len(values) > 2 and values.nunique() > 1
