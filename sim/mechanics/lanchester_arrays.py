"""`fight` and `Segment.state_at` of sim/mechanics/lanchester.py for many battle segments at once.

One row is one segment of one replication's battle. Every number is what the scalar code gives for
that row, bit for bit: each value is computed by the same floating-point operations in the same
order, on the same numpy ufuncs (numpy picks the same inner loop for a 0-d, 1-d or 2-d operand, so
np.cosh, np.exp, np.tan... give the same bits here as there). The places where "the same
operation" needs care, each marked SAME-OPS below:

- np.linspace's arithmetic (`arange * step`, the zero-step case, the last point set to `stop`);
- math.sqrt vs np.sqrt: both correctly rounded, so equal;
- math.atan (libm) vs np.arctan (numpy's own SIMD code): NOT equal in the last bit for about one
  argument in a thousand, and the mixed law's `atan(A0/n) - phase` cancels as the attacker nears
  destruction, where that ulp grows into a relative error far above 1e-12. So math.atan is called
  once per row that needs it (an O(rows) map, the one per-row Python call; the O(rows x steps)
  work is all array operations). The square law's day of destruction, math.atanh(ratio) / g, is
  found the same way (`_libm_column`);
- `attackers**2`: on an array numpy squares (x*x), on the numpy scalar that `Segment.state_at`
  works with it calls C pow(), which differs from x*x in the last bit for about one value in a
  thousand. `fight_arrays` squares, `state_at` uses np.float_power (C pow() per element);
- np.cumsum along a row is sequential (out[i] = out[i-1] + in[i]), as on the scalar 1-d grid;
- np.interp's C code (binary_search_with_guess and arr_interp in numpy's compiled_base.c): the
  interval is "the last grid point <= x", exact hits and the end point return fp[j], otherwise
  `slope * (x - xp[j]) + fp[j]` with `slope = (fp[j+1] - fp[j]) / (xp[j+1] - xp[j])`, and the
  NaN fall-backs.

Work and memory. Rows are solved in chunks of rows of similar grid length, and each chunk in passes
along the grid (64 points, then 128, ... up to 1,024): a row leaves once its end is found and the
point after it is solved, so a battle that culminates on day 20 of a 500-day horizon costs ~100 grid
points, not 2,001. What is kept for `state_at` is each row's advance grid up to that point after the
end (ragged, one flat array): all it needs for days up to `end_day`. Asked for a later day, `state_at`
re-solves that row's whole grid (exact, only slower); `keep_whole_grid=True` keeps every point. The
working arrays are at most CHUNK_ELEMENTS float64 each, whatever the number of rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.mechanics.lanchester import GRID_STEP_DAYS, LAWS

CHUNK_ELEMENTS = 1 << 19  # rows x grid points of one chunk of rows (4 MB per float64 working array at most)
FIRST_PASS, LONGEST_PASS = 64, 1024  # grid points solved per pass along a chunk's grids, doubling

# How a row's strengths are computed: its law and that law's special case (Attrition.strengths).
(
    _SQUARE_LINEAR,  # square with a == 0 or b == 0
    _SQUARE_HYPERBOLIC,
    _LINEAR_EXPONENTIAL,  # linear with alpha == 0 or beta == 0
    _LINEAR_BALANCED,  # linear with |c| < 1e-15: growth = t
    _LINEAR_LOGISTIC,
    _MIXED_LINEAR,  # mixed with alpha == 0 or b == 0
    _MIXED_POSITIVE,  # m2 > 0
    _MIXED_NEGATIVE,  # m2 < 0
    _MIXED_ZERO,  # m2 == 0 (or NaN: neither branch of the scalar code's if/elif is taken)
) = range(9)

_REASONS = np.array(["objective", "culmination", "horizon"], dtype=object)
_OBJECTIVE, _CULMINATION, _HORIZON = range(3)


@dataclass(frozen=True, eq=False)
class SegmentArrays:
    """Many battle segments solved at once (one per row), each equal to what `fight` gives for that row."""

    end_day: np.ndarray  # float64 (n,), days into the segment when it ends of itself
    reason: np.ndarray  # object array of "objective" | "culmination" | "horizon"
    steps: np.ndarray  # int64 (n,): the row's grid has steps + 1 points
    grid_step: np.ndarray  # float64 (n,): grid point i < steps is at day i * grid_step (np.linspace)
    grid_stop: np.ndarray  # float64 (n,): ... and point `steps` at day grid_stop
    kept: np.ndarray  # int64 (n,): advance_km holds the row's grid points 0..kept (kept == steps: the whole grid)
    advance_km: np.ndarray  # float64, the rows' kept km grids end to end
    advance_offsets: np.ndarray  # int64 (n,): where each row's grid starts in advance_km
    # What state_at needs to evaluate the strengths: the coefficients, the grid's first point, and
    # the special case those select (it depends on the start strengths, so it can differ from fight's).
    attacker_effectiveness: np.ndarray
    defender_effectiveness: np.ndarray
    opening_attackers: np.ndarray
    opening_defenders: np.ndarray
    start_attackers: np.ndarray  # grid_attackers[0] of the scalar Segment
    start_defenders: np.ndarray  # grid_defenders[0]
    state_kind: np.ndarray  # int8 (n,)
    state_libm: np.ndarray  # float64 (n,): the per-row constant `_libm_column` gives for the row's state_kind
    inputs: tuple[np.ndarray, ...]  # fight_arrays's arguments, per row: to re-solve a whole grid when asked

    def __len__(self) -> int:
        return len(self.end_day)

    def grid_days(self, row: int) -> np.ndarray:
        """The row's `Segment.grid_days` (recomputed: it is np.linspace's arithmetic)."""
        index = np.arange(int(self.steps[row]) + 1, dtype=np.float64)
        return _days(index, self.grid_step[row], self.grid_stop[row], self.steps[row])

    def grid_advance_km(self, row: int) -> np.ndarray:
        """The kept part of the row's `Segment.grid_advance_km`: points 0..kept[row] (a view)."""
        start = int(self.advance_offsets[row])
        return self.advance_km[start : start + int(self.kept[row]) + 1]

    def state_at(self, rows: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(attackers, defenders, km advanced in the segment) after `day` days, for segment rows `rows` (int index
        array into this object's rows) — equal to Segment.state_at for each."""
        rows, day = np.broadcast_arrays(np.asarray(rows, dtype=np.intp), np.asarray(day, dtype=np.float64))
        shape = rows.shape
        rows, day = rows.ravel(), day.ravel()
        attackers, defenders = np.empty(len(rows)), np.empty(len(rows))
        kinds = self.state_kind[rows]
        for kind in np.unique(kinds):
            sel = np.flatnonzero(kinds == kind)
            r = rows[sel]
            a_t, d_t = _strengths(
                int(kind),
                self.attacker_effectiveness[r],
                self.defender_effectiveness[r],
                self.opening_attackers[r],
                self.opening_defenders[r],
                self.start_attackers[r],
                self.start_defenders[r],
                day[sel][:, None],
                scalar_power=True,
                libm=self.state_libm[r],
            )
            attackers[sel], defenders[sel] = a_t[:, 0], d_t[:, 0]
        advance = self._advance_at(rows, day)
        return attackers.reshape(shape), defenders.reshape(shape), advance.reshape(shape)

    def _advance_at(self, rows: np.ndarray, x: np.ndarray) -> np.ndarray:
        """np.interp(x, grid_days, grid_advance_km) per row (SAME-OPS: numpy's arr_interp)."""
        steps, step, stop, kept = self.steps[rows], self.grid_step[rows], self.grid_stop[rows], self.kept[rows]
        km, first = self.advance_km, self.advance_offsets[rows]
        # Beyond the kept points (only after end_day): re-solved below.
        beyond = (kept < steps) & (x > _days(kept.astype(np.float64), step, stop, steps))
        # binary_search_with_guess on a sorted grid returns the last index j with grid[j] <= x (-1 below the
        # first point; len - 1 or len at and beyond the last, both giving fp[-1]): j + 1 = how many grid points
        # are <= x, found by bisection on all rows at once (within the kept points: x <= grid[kept] here).
        low, high = np.zeros(len(rows), dtype=np.int64), kept + 1
        while True:
            searching = low < high
            if not searching.any():
                break
            middle = (low + high) >> 1
            at_or_below = _days(middle.astype(np.float64), step, stop, steps) <= x
            low = np.where(searching & at_or_below, middle + 1, low)
            high = np.where(searching & ~at_or_below, middle, high)
        j = low - 1
        inside = (j >= 0) & (j < steps)
        jj = np.where(inside, j, 0)
        x0 = _days(jj.astype(np.float64), step, stop, steps)
        x1 = _days((jj + 1).astype(np.float64), step, stop, steps)
        y0, y1 = km[first + jj], km[first + np.minimum(jj + 1, kept)]
        with np.errstate(all="ignore"):  # rows that take another branch may divide by zero here
            between = _interp_formula(x, x0, x1, y0, y1)
        result = np.where(inside & (x0 != x), between, y0)  # an exact hit on a grid point: fp[j]
        result = np.where(j < 0, km[first], result)  # before the first point: fp[0]
        result = np.where(j >= steps, km[first + steps.clip(max=kept)], result)  # at or after the last: fp[-1]
        result = np.where(np.isnan(x), x, result)
        if beyond.any():
            sel = np.flatnonzero(beyond)
            unique, which = np.unique(rows[sel], return_inverse=True)
            whole = fight_arrays(*(v[unique] for v in self.inputs), keep_whole_grid=True)
            result[sel] = whole._advance_at(which, x[sel])
        return result


def fight_arrays(
    law: np.ndarray,
    attacker_effectiveness: np.ndarray,
    defender_effectiveness: np.ndarray,
    opening_attackers: np.ndarray,
    opening_defenders: np.ndarray,
    rate_km_per_day: np.ndarray,
    culmination_force_ratio: np.ndarray,
    culmination_strength: np.ndarray,
    attackers: np.ndarray,
    defenders: np.ndarray,
    objective_remaining_km: np.ndarray,
    max_days: np.ndarray,
    *,
    keep_whole_grid: bool = False,
) -> SegmentArrays:
    """`fight` for every row at once, no Python loop over rows (loops over the laws' cases, chunks and passes).

    Inputs are 1-d arrays of one length (or scalars, broadcast). Raises where `fight` would raise for a row: an
    unknown law, a non-finite max_days, a zero opening strength normalising the linear or mixed law, a negative
    effectiveness under the square law's square roots. `keep_whole_grid` solves and keeps every grid point
    (by default a row stops at the point after its end; see the module's docstring).
    """
    law = np.asarray(law, dtype=object).ravel()
    n = len(law)
    inputs = (law,) + tuple(
        np.array(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)))
        for v in (
            attacker_effectiveness,
            defender_effectiveness,
            opening_attackers,
            opening_defenders,
            rate_km_per_day,
            culmination_force_ratio,
            culmination_strength,
            attackers,
            defenders,
            objective_remaining_km,
            max_days,
        )
    )
    _, a, b, opening_a, opening_d, rate, force_ratio, strength, a0, d0, objective, max_days = inputs
    law_code = np.full(n, -1, dtype=np.int8)
    for code, name in enumerate(LAWS):
        law_code[law == name] = code
    if (law_code < 0).any():
        bad = law[np.argmax(law_code < 0)]
        raise ValueError(f"unknown attrition law {bad!r}; expected one of {LAWS}")
    _refuse_what_fight_refuses(law_code, a, b, opening_a, opening_d, max_days)

    # SAME-OPS np.linspace(0.0, max(max_days, 0.0), steps + 1): step = (stop - 0.0) / steps, y = arange * step + 0.0,
    # y[-1] = stop. Python's max keeps its first argument unless the second is larger (so -0.0 stays -0.0).
    # step == 0 only when stop is +-0 (any stop <= 0.25 has steps == 1): numpy then computes
    # arange / steps * stop + 0.0, which is +0.0, as is arange * (+0.0).
    steps = np.maximum(np.ceil(max_days / GRID_STEP_DAYS), 1.0).astype(np.int64)
    stop = np.where(0.0 > max_days, 0.0, max_days)
    step = stop / steps.astype(np.float64)
    step = np.where(step == 0, 0.0, step)
    per_row = {
        "a": a,
        "b": b,
        "opening_a": opening_a,
        "opening_d": opening_d,
        "a0": a0,
        "d0": d0,
        "rate": rate,
        "force_ratio": force_ratio,
        "strength": strength,
        "objective": objective,
        "steps": steps,
        "step": step,
        "stop": stop,
    }

    end_day, reason, kept = np.empty(n), np.empty(n, dtype=np.int8), np.empty(n, dtype=np.int64)
    start_a, start_d = np.empty(n), np.empty(n)
    # The kept grids, end to end: sized for whole grids (pages never written cost nothing), trimmed at the end.
    advance_km, offsets, written = np.empty(int((steps + 1).sum())), np.empty(n, dtype=np.int64), 0
    scratch = np.empty(max(CHUNK_ELEMENTS, int(steps.max(initial=0)) + 1))  # one chunk's km grids, reused
    kinds = _kinds(law_code, a, b, opening_a, opening_d, a0, d0)
    for kind in np.unique(kinds):
        of_kind = np.flatnonzero(kinds == kind)
        of_kind = of_kind[np.argsort(steps[of_kind], kind="stable")]  # similar lengths together: little padding
        libm = _libm_column(int(kind), a[of_kind], b[of_kind], opening_d[of_kind], a0[of_kind], d0[of_kind])
        for chunk in _chunks(steps[of_kind] + 1):
            r = of_kind[chunk]
            rows = {name: values[r] for name, values in per_row.items()}
            rows["libm"] = libm[chunk]
            km = scratch[: len(r) * (int(rows["steps"].max()) + 1)].reshape(len(r), -1)
            kept_r = _solve_chunk(int(kind), rows, km, keep_whole_grid)
            end_day[r], reason[r], start_a[r], start_d[r] = rows["end_day"], rows["reason"], rows["A0"], rows["D0"]
            kept[r] = kept_r
            # The kept part of each row, end to end in row order: offsets follow the order rows are solved in.
            width = int(kept_r.max()) + 1
            kept_points = km[:, :width][np.arange(width) <= kept_r[:, None]]
            advance_km[written : written + len(kept_points)] = kept_points
            offsets[r] = written + np.concatenate(([0], np.cumsum(kept_r + 1)[:-1]))
            written += len(kept_points)

    state_kind = _kinds(law_code, a, b, opening_a, opening_d, start_a, start_d)
    state_libm = np.full(n, np.nan)
    for kind in (_SQUARE_HYPERBOLIC, _MIXED_NEGATIVE):
        r = np.flatnonzero(state_kind == kind)
        state_libm[r] = _libm_column(kind, a[r], b[r], opening_d[r], start_a[r], start_d[r])
    return SegmentArrays(
        end_day=end_day,
        reason=_REASONS[reason],
        steps=steps,
        grid_step=step,
        grid_stop=stop,
        kept=kept,
        # Trimmed by a copy when most of it went unused; else a view (the pages never written are never resident).
        advance_km=advance_km[:written].copy() if 2 * written < len(advance_km) else advance_km[:written],
        advance_offsets=offsets,
        attacker_effectiveness=a,
        defender_effectiveness=b,
        opening_attackers=opening_a,
        opening_defenders=opening_d,
        start_attackers=start_a,
        start_defenders=start_d,
        state_kind=state_kind,
        state_libm=state_libm,
        inputs=inputs,
    )


def _solve_chunk(kind: int, p: dict[str, np.ndarray], km: np.ndarray, keep_whole_grid: bool) -> np.ndarray:
    """Solve the grids of one chunk of rows (of one kind) pass by pass along the grid: fills `km` (rows x longest
    grid) up to each row's kept point, returns the kept points, and adds end_day, reason, A0, D0 (the grid's first
    point) to `p`.

    A pass solves points p0..c1-1, where p0 is the previous pass's last point, solved again (the same numbers) so
    that the trapezoids and the objective crossing can reach back one point. The running sum continues from the
    km of p0: cumsum([km[p0], trapezoids...]) adds in the order the scalar cumsum does (SAME-OPS). The first pass
    starts it from -0.0, since -0.0 + x == x for every x, as the scalar's cumsum starts from its first trapezoid.
    """
    steps, step, stop = p["steps"], p["step"], p["stop"]
    n = len(steps)
    end = np.full(n, -1, dtype=np.int64)  # -1: not found yet
    reason, end_day = np.full(n, _HORIZON, dtype=np.int8), np.empty(n)
    p["A0"], p["D0"] = np.empty(n), np.empty(n)
    active, c0, length = np.arange(n), 0, FIRST_PASS
    while active.size:
        q, sq = active, steps[active]
        p0, c1 = max(c0 - 1, 0), min(c0 + length, int(sq.max()) + 1)
        points = np.arange(p0, c1)
        t = points.astype(np.float64) * step[q, None]
        padding = points > sq[:, None]
        np.copyto(t, stop[q, None], where=padding)  # padding past a row's last point repeats it (benign values)
        last = np.flatnonzero(sq < c1)
        t[last, sq[last] - p0] = stop[q[last]]
        a_t, d_t = _strengths(
            kind,
            p["a"][q],
            p["b"][q],
            p["opening_a"][q],
            p["opening_d"][q],
            p["a0"][q],
            p["d0"][q],
            t,
            scalar_power=False,
            libm=p["libm"][q],
        )
        if c0 == 0:
            p["A0"][q], p["D0"][q] = a_t[:, 0], d_t[:, 0]
        # Advance.rate: v * clip(1 - 1 / max(A / max(D, 1), 1e-9), 0, 1), one operation at a time, in place.
        v = np.maximum(d_t, 1.0)
        np.divide(a_t, v, out=v)
        np.maximum(v, 1e-9, out=v)
        np.divide(1.0, v, out=v)
        np.subtract(1.0, v, out=v)
        np.clip(v, 0.0, 1.0, out=v)
        np.multiply(p["rate"][q, None], v, out=v)
        np.multiply(p["force_ratio"][q, None], d_t, out=d_t)
        culminated = a_t < d_t
        culminated |= a_t <= p["strength"][q, None]
        # km = [0, cumsum((rate[1:] + rate[:-1]) * 0.5 * diff(t))], in the strength arrays' memory.
        k = a_t
        np.add(v[:, 1:], v[:, :-1], out=k[:, 1:])
        k[:, 1:] *= 0.5
        np.subtract(t[:, 1:], t[:, :-1], out=d_t[:, 1:])
        k[:, 1:] *= d_t[:, 1:]
        k[:, 0] = -0.0 if c0 == 0 else km[q, p0]
        np.cumsum(k, axis=1, out=k)
        if c0 == 0:
            k[:, 0] = 0.0
        km[q, p0:c1] = k
        arrived = k >= p["objective"][q, None]
        ended = culminated | arrived
        ended &= ~padding  # padding never ends a segment
        ended[:, 0] &= c0 == 0  # p0 was looked at in the previous pass
        ended[end[q] >= 0] = False  # rows already ended are here only for the point after their end
        column = ended.argmax(axis=1)
        found = np.flatnonzero(ended[np.arange(len(q)), column])
        if found.size:
            col, rows = column[found], q[found]
            end[rows] = p0 + col
            to_objective = arrived[found, col]
            reason[rows] = np.where(to_objective, _OBJECTIVE, _CULMINATION)
            day = t[found, col]
            crossing = np.flatnonzero(to_objective & (end[rows] > 0))
            if crossing.size:
                f, c = found[crossing], col[crossing]
                day[crossing] = _interp_two(
                    p["objective"][q[f]], k[f, c - 1], k[f, c], t[f, c - 1], t[f, c]
                )  # np.interp(objective, km[end-1:end+1], t[end-1:end+1])
            end_day[rows] = day
        horizon = q[(end[q] < 0) & (sq < c1)]  # no end: the last point, "horizon"
        end[horizon], end_day[horizon] = steps[horizon], stop[horizon]
        needed = sq if keep_whole_grid else np.minimum(end[q] + 1, sq)
        active = q[(end[q] < 0) | (c1 <= needed)]
        c0, length = c1, min(2 * length, LONGEST_PASS)
    p["end_day"], p["reason"] = end_day, reason
    return steps if keep_whole_grid else np.minimum(end + 1, steps)


def _days(index: np.ndarray, step: np.ndarray, stop: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Grid day of (float) index: index * step before the last point, stop at it (and beyond, for padding)."""
    return np.where(index >= steps, stop, index * step)


def _chunks(lengths: np.ndarray) -> list[slice]:
    """Consecutive slices of rows (sorted by grid length) holding at most CHUNK_ELEMENTS padded points (or one row)."""
    chunks, start, n = [], 0, len(lengths)
    while start < n:
        stop = min(n, start + max(1, CHUNK_ELEMENTS // int(lengths[start])))
        while stop - start > 1 and (stop - start) * int(lengths[stop - 1]) > CHUNK_ELEMENTS:
            stop = start + max(1, CHUNK_ELEMENTS // int(lengths[stop - 1]))
        chunks.append(slice(start, stop))
        start = stop
    return chunks


def _refuse_what_fight_refuses(law, a, b, opening_a, opening_d, max_days) -> None:
    """The exceptions `fight` raises (from math.ceil, Python float division and math.sqrt), raised up front."""
    if not np.isfinite(max_days).all():
        raise ValueError(f"max_days must be finite (math.ceil refuses it): {max_days[~np.isfinite(max_days)][0]}")
    normalised = law != LAWS.index("square")
    if ((normalised & (opening_d == 0)) | ((law == LAWS.index("linear")) & (opening_a == 0))).any():
        raise ZeroDivisionError("float division by zero: a zero opening strength normalises the linear or mixed law")
    square = (law == LAWS.index("square")) & (a != 0) & (b != 0)
    with np.errstate(all="ignore"):
        roots = np.stack([a * b, b / a, a / b])[:, square]
    if (roots < 0).any():
        raise ValueError("math domain error: the square law's coefficients have opposite signs")


def _kinds(law, a, b, opening_a, opening_d, a0, d0) -> np.ndarray:
    """Each row's law and special case, decided by the same tests as Attrition.strengths and its _square, _linear,
    _mixed (on Python floats there; the same IEEE operations here)."""
    kinds = np.empty(len(law), dtype=np.int8)
    with np.errstate(all="ignore"):  # rows of the other laws and cases compute what they never use
        square = law == LAWS.index("square")
        kinds[square] = np.where((a[square] == 0) | (b[square] == 0), _SQUARE_LINEAR, _SQUARE_HYPERBOLIC)
        linear = np.flatnonzero(law == LAWS.index("linear"))
        alpha, beta = a[linear] / opening_d[linear], b[linear] / opening_a[linear]
        c = alpha * a0[linear] - beta * d0[linear]
        kinds[linear] = np.where(
            (alpha == 0) | (beta == 0),
            _LINEAR_EXPONENTIAL,
            np.where(np.abs(c) < 1e-15, _LINEAR_BALANCED, _LINEAR_LOGISTIC),
        )
        mixed = np.flatnonzero(law == LAWS.index("mixed"))
        alpha, bm = a[mixed] / opening_d[mixed], b[mixed]
        m2 = a0[mixed] * a0[mixed] - 2 * bm * d0[mixed] / alpha
        kinds[mixed] = np.where(
            (alpha == 0) | (bm == 0),
            _MIXED_LINEAR,
            np.where(m2 > 0, _MIXED_POSITIVE, np.where(m2 < 0, _MIXED_NEGATIVE, _MIXED_ZERO)),
        )
    return kinds


def _libm_column(kind: int, a, b, opening_d, a0, d0) -> np.ndarray:
    """The per-row constant a kind's strengths need from libm, called per row as the scalar code calls it (SAME-OPS:
    numpy's np.arctan, np.arctanh are its own code and differ in the last bit now and then):

    - mixed law with m2 < 0: math.atan(A0 / n);
    - square law (hyperbolic): the day one side is destroyed, `_square_end`'s math.atanh(ratio) / g, inf if none.

    Empty-valued (NaN) for other kinds."""
    if kind == _MIXED_NEGATIVE:
        alpha = a / opening_d
        n = np.sqrt(-(a0 * a0 - 2 * b * d0 / alpha))
        return np.fromiter(map(math.atan, (a0 / n).tolist()), dtype=np.float64, count=len(a))
    if kind != _SQUARE_HYPERBOLIC:
        return np.full(len(a), np.nan)
    g, defenders_as_attackers, attackers_as_defenders = _square_coefficients(a, b, a0, d0)
    end = np.full(len(a), np.inf)
    attackers_first = a0 < defenders_as_attackers
    defenders_first = ~attackers_first & (d0 < attackers_as_defenders)
    for first, own, enemy in (
        (attackers_first, a0, defenders_as_attackers),
        (defenders_first, d0, attackers_as_defenders),
    ):
        r = np.flatnonzero(first)
        tanh = (own[r] / enemy[r]).tolist()
        end[r] = np.fromiter(map(math.atanh, tanh), dtype=np.float64, count=len(r)) / g[r]
    return end


def _square_coefficients(a, b, a0, d0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """g = sqrt(ab), sqrt(b/a) D0, sqrt(a/b) A0 per row, as _square computes them."""
    return np.sqrt(a * b), np.sqrt(b / a) * d0, np.sqrt(a / b) * a0


def _strengths(
    kind: int, a, b, opening_a, opening_d, a0, d0, t: np.ndarray, *, scalar_power: bool, libm: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Attrition.strengths for rows of one kind: per-row coefficients (n,), days t (n, width); floored at zero.

    SAME-OPS: every expression is the scalar code's, with the same association (Python evaluates `x * y * t` as
    `(x * y) * t`, so the per-row product is formed first here too). `scalar_power` squares with C pow(), as the
    numpy scalar in Segment.state_at does; otherwise x*x, as numpy does for `array**2` in fight. `libm` is the
    rows' `_libm_column`.
    """

    def col(v: np.ndarray) -> np.ndarray:
        return v[:, None]

    if kind == _SQUARE_LINEAR:
        a_t = col(a0) - col(b * d0) * t
        d_t = col(d0) - col(a * a0) * t
    elif kind == _SQUARE_HYPERBOLIC:
        g, defenders_as_attackers, attackers_as_defenders = _square_coefficients(a, b, a0, d0)
        end = col(libm)  # the day one side is destroyed: nothing changes after it
        gt = np.minimum(t, end)
        gt *= col(g)
        cosh = np.cosh(gt)
        sinh = np.sinh(gt, out=gt)
        a_t = col(a0) * cosh
        a_t -= col(defenders_as_attackers) * sinh
        d_t = np.multiply(col(d0), cosh, out=cosh)
        d_t -= np.multiply(col(attackers_as_defenders), sinh, out=sinh)
        attackers_first = a0 < defenders_as_attackers
        ended = t >= end
        np.copyto(a_t, 0.0, where=ended & col(attackers_first))
        np.copyto(d_t, 0.0, where=ended & col(~attackers_first & (d0 < attackers_as_defenders)))
    elif kind in (_LINEAR_EXPONENTIAL, _LINEAR_BALANCED, _LINEAR_LOGISTIC):
        alpha, beta = a / opening_d, b / opening_a
        if kind == _LINEAR_EXPONENTIAL:
            a_t = col(a0) * np.exp(col(-beta * d0) * t)
            d_t = col(d0) * np.exp(col(-alpha * a0) * t)
        else:
            c = alpha * a0 - beta * d0
            decay = np.exp(col(-c) * t)
            if kind == _LINEAR_BALANCED:
                growth = t
            else:
                growth = np.expm1(col(-c) * t)
                np.negative(growth, out=growth)
                growth /= col(c)
            denominator = col(alpha * a0) * growth
            denominator += decay
            a_t = np.divide(col(a0), denominator, out=denominator)
            d_t = col(alpha) * a_t
            d_t -= col(c)
            d_t /= col(beta)
    else:
        alpha = a / opening_d
        if kind == _MIXED_LINEAR:
            a_t = col(a0) - col(b * d0) * t
            d_t = col(d0) * np.exp(col(-alpha * a0) * t)
        else:
            k = alpha / 2
            if kind == _MIXED_POSITIVE:
                m = np.sqrt(a0 * a0 - 2 * b * d0 / alpha)
                th = np.tanh(col(k * m) * t)
                numerator = col(m) * th
                numerator += col(a0)
                numerator *= col(m)
                th *= col(a0)
                th += col(m)
                a_t = np.divide(numerator, th, out=numerator)
            elif kind == _MIXED_NEGATIVE:
                n = np.sqrt(-(a0 * a0 - 2 * b * d0 / alpha))
                phase = np.minimum(col(k * n) * t, col(libm))
                np.subtract(col(libm), phase, out=phase)
                a_t = np.tan(phase, out=phase)
                a_t *= col(n)
            else:
                a_t = col(k * a0) * t
                a_t += 1
                np.divide(col(a0), a_t, out=a_t)
            d_t = np.float_power(a_t, 2.0) if scalar_power else np.square(a_t)
            d_t -= col(a0 * a0)
            np.multiply(col(alpha), d_t, out=d_t)
            d_t /= col(2 * b)
            np.add(col(d0), d_t, out=d_t)
    return np.maximum(a_t, 0.0, out=a_t), np.maximum(d_t, 0.0, out=d_t)


def _interp_formula(x, x0, x1, y0, y1) -> np.ndarray:
    """arr_interp between two points: slope * (x - x0) + y0, and its NaN fall-backs (SAME-OPS)."""
    slope = (y1 - y0) / (x1 - x0)
    result = slope * (x - x0) + y0
    again = np.isnan(result)
    if again.any():
        other = slope * (x - x1) + y1
        result = np.where(again, np.where(np.isnan(other) & (y0 == y1), y0, other), result)
    return result


def _interp_two(x, x0, x1, y0, y1) -> np.ndarray:
    """np.interp(x, [x0, x1], [y0, y1]) per row, as numpy's C code branches (binary_search_with_guess's linear
    search for short arrays, then arr_interp's cases)."""
    with np.errstate(all="ignore"):
        between = _interp_formula(x, x0, x1, y0, y1)
    return np.select(
        [np.isnan(x), x > x1, x < x0, x >= x1, x0 == x],  # in numpy's order
        [x, y1, y0, y1, y0],  # x > xp[-1]: fp[-1]; x < xp[0]: fp[0]; j == len - 1: fp[j]; exact hit: fp[j]
        between,
    )
