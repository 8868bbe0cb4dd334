"""Percentiles, ratios and the printed table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
import math
import statistics


def pct(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    """Seconds as milliseconds, two decimals below 10 ms."""
    value = seconds * 1000
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def ratio(values: Sequence[float]) -> str:
    """The median of per-repetition ratios, and their range when there are several."""
    good = [v for v in values if math.isfinite(v)]
    if not good:
        return "n/a"
    text = f"{statistics.median(good):.2f}x"
    if len(good) > 1:
        text += f" ({min(good):.2f}-{max(good):.2f})"
    return text


@dataclass
class Report:
    """Rows of ``measure | values | ratio`` and the key figures for the LAST line."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)
    key: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    printed: int = 0

    def new_rows(self) -> str:
        """The rows added since the last call (printed as each part ends)."""
        rows = self.rows[self.printed :]
        self.printed = len(self.rows)
        return "\n".join(f"{a}  {b}  {c}".rstrip() for a, b, c in rows)

    def section(self, title: str) -> None:
        """Start a section."""
        self.rows.append((f"-- {title}", "", ""))

    def add(self, measure: str, values: str, ratio_text: str = "") -> None:
        """Add a row."""
        self.rows.append((measure, values, ratio_text))

    def fail(self, message: str) -> None:
        """Record something that went wrong (printed, exit status 1)."""
        self.failures.append(message)

    def text(self) -> str:
        """The table, the failures and the LAST line."""
        w0 = max(len(r[0]) for r in self.rows) if self.rows else 10
        w1 = max(len(r[1]) for r in self.rows) if self.rows else 10
        lines = [f"{'measure':<{w0}}  {'values':<{w1}}  ratio"]
        lines += [f"{a:<{w0}}  {b:<{w1}}  {c}".rstrip() for a, b, c in self.rows]
        lines += [f"FAIL: {failure}" for failure in self.failures]
        lines.append("LAST " + "  ".join(f"{k}={v}" for k, v in self.key.items()))
        return "\n".join(lines)


def statuses_ok(statuses: dict[int, int], expected: int) -> bool:
    """True when every answer had the expected status."""
    return set(statuses) == {expected}
