"""The pure parts of scripts/bench: its config, options, percentiles and table.

The bench itself measures (and prints numbers); these check only that it
asks for the right things.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from e2e.bench.__main__ import PARTS, parse_args
from e2e.bench.report import Report, pct, ratio
from e2e.bench.stack import bench_configuration

DEVELOP = (Path(__file__).parents[1] / "config" / "configuration.yaml").read_text()


def test_bench_configuration_keeps_develop_and_quiets_logs() -> None:
    text = bench_configuration(DEVELOP, recorder=True)
    assert "recorder:\n  commit_interval: 1\n" in text
    assert "gridx_bench:" in text
    assert "debug" not in text  # no per-delivery debug logging
    assert "homeassistant.bootstrap: info" in text  # the harness waits for it
    assert "webhook:" in text
    assert "\ndefault_config:" not in text


def test_bench_configuration_without_recorder() -> None:
    text = bench_configuration(DEVELOP, recorder=False)
    for gone in ("recorder:", "commit_interval", "history:", "logbook:"):
        assert gone not in text
    assert "webhook:" in text
    assert "gridx_bench:" in text


def test_parse_args_parts() -> None:
    assert parse_args([]).parts == list(PARTS)
    args = parse_args(["--only", "scaling,sequential", "--only", "memory"])
    assert args.parts == ["sequential", "memory", "scaling"]
    assert not args.no_recorder
    assert parse_args(["--no-recorder", "--quick"]).no_recorder
    # The live poll of the big account runs last, in a default run too.
    assert PARTS[-1] == "live"
    assert parse_args(["--only", "live"]).parts == ["live"]


def test_parse_args_rejects_unknown_part() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--only", "everything"])


def test_percentiles_and_ratios() -> None:
    values = [float(v) for v in range(1, 101)]
    assert pct(values, 50) == 50
    assert pct(values, 99) == 99
    assert pct(values, 100) == 100
    assert pct([3.0], 99) == 3
    assert math.isnan(pct([], 50))
    assert ratio([2.0, 1.0, 4.0]) == "2.00x (1.00-4.00)"
    assert ratio([1.5]) == "1.50x"
    assert ratio([math.nan]) == "n/a"


def test_report_ends_with_the_last_line() -> None:
    report = Report()
    report.section("part")
    report.add("answer p50", "1.0 / 0.5", "2.00x")
    report.key["seq_p50"] = "2.00x"
    report.fail("burst gridX: statuses {500: 1}")
    lines = report.text().splitlines()
    assert lines[0].startswith("measure")
    assert "FAIL: burst gridX: statuses {500: 1}" in lines
    assert lines[-1] == "LAST seq_p50=2.00x"
