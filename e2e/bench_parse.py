"""Benchmark: the protocol's share of one delivery, in process.

For a typical signed gridX event (an EV event of a gateway with five
appliances' worth of data) it times, per event: the HMAC check
(`verify_signature`), the scan for text Home Assistant cannot keep
(`has_bad_text`, what every delivery pays, and `find_bad_text`, which builds
paths only when something is bad) and the whole `parse_event` (JSON decode,
scan, envelope and data). Prints the median of ``--rounds`` rounds of
``--events`` events each, in microseconds. No network, no Home Assistant.

    python -m e2e.bench_parse [--events 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import json
import statistics
import time

from custom_components.gridx.api.envelope import parse_event
from custom_components.gridx.api.signature import sign, verify_signature
from custom_components.gridx.api.text import find_bad_text, has_bad_text

SECRET = "bench-secret"
EVENT = {
    "id": "0b7c7d9e-6d2f-4f3a-9a57-2f4d0d8c1e11",
    "time": "2026-12-07T21:00:00Z",
    "specVersion": "1.0",
    "source": "/systems/6a1c3f2e-1111-2222-3333-444455556666",
    "type": "ev/plugged",
    "dataContentType": "application/json",
    "data": {
        "gatewayId": "6a1c3f2e-aaaa-bbbb-cccc-444455556666",
        "gatewayName": "gridBox Keller",
        "gatewaySerialnumber": "GX-123456",
        "assetId": "6a1c3f2e-dddd-eeee-ffff-444455556666",
        "vehicles": [
            {"id": f"v{i}", "name": f"Car {i}", "stateOfCharge": 55.5, "atHome": True}
            for i in range(5)
        ],
    },
}


def _per_event_us(work: Callable[[], object], events: int, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(events):
            work()
        samples.append((time.perf_counter() - start) / events * 1e6)
    return statistics.median(samples)


def main() -> None:
    """Time each step and print one line per step."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    body = json.dumps(EVENT).encode()
    header = sign(body, [SECRET])
    decoded = json.loads(body)
    steps: dict[str, Callable[[], object]] = {
        "verify_signature": lambda: verify_signature(body, header, [SECRET]),
        "has_bad_text": lambda: has_bad_text(decoded),
        "find_bad_text": lambda: find_bad_text(decoded),
        "parse_event": lambda: parse_event(body),
    }
    print(f"{len(body)} bytes per event, {args.events} events x {args.rounds} rounds")
    for name, work in steps.items():
        print(f"{name:>17}: {_per_event_us(work, args.events, args.rounds):7.2f} us")


if __name__ == "__main__":
    main()
