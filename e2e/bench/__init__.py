"""The benchmark behind scripts/bench (run ``python -m e2e.bench --help``)."""
