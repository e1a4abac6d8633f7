"""The report's intervals: a bar per score showing its 95% interval on a scale the metric's runs share, and
the "is the difference real?" lines. Plain HTML and CSS, so the page stays script-free."""

from __future__ import annotations

from html import escape

from ..significance import Estimate
from .run_significance import Significance, verdicts

STYLE = """
.interval { position: relative; width: 120px; height: 8px; background: #eee; border-radius: 4px; margin: 3px 0 0 auto; }
.interval .range { position: absolute; top: 0; height: 8px; background: #90caf9; border-radius: 4px; }
.interval .point { position: absolute; top: -2px; width: 2px; height: 12px; background: #0d47a1; }
.ci { color: #555; font-size: 12px; white-space: nowrap; } .verdict { margin: 4px 0; }
"""


def _scale(significance: Significance, metric: str) -> tuple[float, float]:
    """The lowest lower bound and highest upper bound of the metric's intervals (never an empty range)."""
    estimates = list(significance.estimates.get(metric, {}).values())
    low = min(min(e.mean - e.ci, e.score) for e in estimates)
    high = max(max(e.mean + e.ci, e.score) for e in estimates)
    return (low, high) if high > low else (low - 0.5, high + 0.5)


def _percent(value: float, low: float, high: float) -> float:
    return round(100.0 * (value - low) / (high - low), 2)


def interval_cell(significance: Significance, metric: str, label: str) -> str:
    """The bracketed mean ± half-width, p against the baseline, and the bar (empty when not tested)."""
    estimate: Estimate | None = significance.estimate(metric, label)
    if estimate is None:
        return ""
    low, high = _scale(significance, metric)
    left = _percent(estimate.mean - estimate.ci, low, high)
    width = _percent(estimate.mean + estimate.ci, low, high) - left
    p = f", p = {estimate.p_value:.4f}" if estimate.p_value is not None else ""
    return (
        f'<div class="ci">{estimate.mean:.4f} ± {estimate.ci:.4f}{p}</div>'
        f'<div class="interval" title="95% interval {estimate.mean - estimate.ci:.4f} to '
        f'{estimate.mean + estimate.ci:.4f}"><div class="range" style="left: {left}%; width: {width}%"></div>'
        f'<div class="point" style="left: {_percent(estimate.score, low, high)}%"></div></div>'
    )


def significance_notes(significance: Significance) -> str:
    """The legend and one "is the difference real?" line per run after the baseline."""
    if not significance.estimates:
        return ""
    lines = "".join(f'<p class="verdict">{escape(line)}</p>' for line in verdicts(significance))
    return (
        f'<h3>Is the difference real?</h3>{lines}<p class="meta">Under each score: '
        f"{escape(significance.legend())}. The bar is the interval, the mark the score.</p>"
    )
