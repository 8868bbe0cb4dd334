"""The hourly statistics imported from gridX's history, against the emulator."""

from datetime import UTC, datetime, timedelta
from functools import partial
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import (
    get_metadata,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.recorder import get_instance
import homeassistant.util.dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.gridx.const import DOMAIN
from custom_components.gridx.live import statistics
from custom_components.gridx.live.coordinator import LiveSystem, issue_id
from custom_components.gridx.live.statistics import (
    STATISTICS,
    GridxStatisticsImporter,
    statistic_id,
)
from gridx_emulator import DemoIds, GridxEmulator

from . import test_live

# The emulator-backed entry and the recorder set-up of test_live.py.
poll = test_live.poll
mock_config_entry = test_live.mock_config_entry
mock_recorder_before_hass = test_live.mock_recorder_before_hass

NOON = datetime(2026, 6, 21, 11, 2, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)


async def _rows(
    hass: HomeAssistant, system_id: str, key: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    stat = statistic_id(system_id, key)
    result = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        start,
        end,
        {stat},
        "hour",
        None,
        {"state", "sum"},
    )
    return [dict(row) for row in result.get(stat, [])]


def _kwh(
    emulator: GridxEmulator, system_id: str, channel: str, a: datetime, b: datetime
) -> float:
    simulation = emulator.live.system(system_id)
    return (simulation.energy_wh(channel, b) - simulation.energy_wh(channel, a)) / 1000


def _importer(hass: HomeAssistant, entry: MockConfigEntry) -> GridxStatisticsImporter:
    live = entry.runtime_data.live
    assert live is not None
    return GridxStatisticsImporter(hass, entry, entry.runtime_data.client, live)


async def test_backfill_gap_and_idempotence(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
) -> None:
    """30 days of exact hourly sums; a downtime gap is filled; re-imports add nothing."""
    freezer.move_to(NOON)
    emulator.live.clock = dt_util.utcnow
    sid = demo_ids.system_id
    await _setup(hass, mock_config_entry)
    end = NOON.replace(minute=0, second=0)
    start = end - timedelta(days=30)
    rows = await _rows(hass, sid, "grid_import", start - HOUR, end + HOUR)
    assert len(rows) == 30 * 24
    assert dt_util.utc_from_timestamp(rows[0]["start"]) == start
    assert dt_util.utc_from_timestamp(rows[-1]["start"]) == end - HOUR
    # Each hour is the emulator's energy of that hour; the sum runs on.
    for row in rows[::97]:
        begin = dt_util.utc_from_timestamp(row["start"])
        assert row["state"] == pytest.approx(
            _kwh(emulator, sid, "supply", begin, begin + HOUR), abs=1e-5
        )
    assert rows[-1]["sum"] == pytest.approx(
        _kwh(emulator, sid, "supply", start, end), abs=1e-3
    )
    for statistic, channel in (
        ("grid_export", "feedIn"),
        ("solar_production", "photovoltaic"),
        ("battery_charge", "charge"),
        ("battery_discharge", "discharge"),
    ):
        last = (await _rows(hass, sid, statistic, end - HOUR, end))[-1]
        assert last["sum"] == pytest.approx(
            _kwh(emulator, sid, channel, start, end), abs=1e-3
        ), statistic
    home = (await _rows(hass, sid, "home_consumption", end - HOUR, end))[-1]
    assert home["sum"] == pytest.approx(
        sum(
            _kwh(emulator, sid, c, start, end)
            for c in ("consumption", "heatPump", "ev")
        ),
        abs=1e-3,
    )

    # Home Assistant is down for five hours; the next start fills the gap.
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    freezer.tick(timedelta(hours=5))
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_wait_recording_done(hass)
    new_end = end + timedelta(hours=5)
    rows = await _rows(hass, sid, "grid_import", start - HOUR, new_end + HOUR)
    assert len(rows) == 30 * 24 + 5
    assert rows[-1]["sum"] == pytest.approx(
        _kwh(emulator, sid, "supply", start, new_end), abs=1e-3
    )

    # A second import in the same hour adds nothing and changes nothing.
    importer = _importer(hass, mock_config_entry)
    system = LiveSystem(sid, demo_ids.gateway_id)
    assert await importer.async_import(system) == 0
    await async_wait_recording_done(hass)
    assert await _rows(hass, sid, "grid_import", start - HOUR, new_end + HOUR) == rows


@pytest.mark.parametrize(
    ("now", "local_day", "hours"),
    [
        (datetime(2026, 3, 30, 6, 30, tzinfo=UTC), datetime(2026, 3, 29), 23),
        (datetime(2026, 10, 26, 6, 30, tzinfo=UTC), datetime(2026, 10, 25), 25),
    ],
)
async def test_daylight_saving_days(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    monkeypatch: pytest.MonkeyPatch,
    now: datetime,
    local_day: datetime,
    hours: int,
) -> None:
    """A Europe/Berlin DST day has 23 or 25 hourly rows with the day's energy."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    monkeypatch.setattr(statistics, "BACKFILL", timedelta(days=2))
    freezer.move_to(now)
    emulator.live.clock = dt_util.utcnow
    sid = demo_ids.system_id
    await _setup(hass, mock_config_entry)
    berlin = dt_util.get_time_zone("Europe/Berlin")
    day_start = local_day.replace(tzinfo=berlin).astimezone(UTC)
    day_end = (local_day + timedelta(days=1)).replace(tzinfo=berlin).astimezone(UTC)
    rows = await _rows(hass, sid, "solar_production", day_start, day_end)
    starts = [dt_util.utc_from_timestamp(row["start"]) for row in rows]
    assert len(rows) == hours
    assert starts == [day_start + HOUR * n for n in range(hours)]
    assert sum(row["state"] for row in rows) == pytest.approx(
        _kwh(emulator, sid, "photovoltaic", day_start, day_end), abs=1e-3
    )


async def test_history_errors_are_retried_later(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed history read imports nothing; the next hourly run catches up."""
    monkeypatch.setattr(statistics, "BACKFILL", timedelta(hours=4))
    freezer.move_to(NOON)
    emulator.live.clock = dt_util.utcnow
    emulator.faults.add("get_historical", status=503)
    with caplog.at_level(logging.WARNING):
        await _setup(hass, mock_config_entry)
    assert "gridX history could not be read" in caplog.text
    sid = demo_ids.system_id
    end = NOON.replace(minute=0, second=0)
    assert await _rows(hass, sid, "grid_import", end - timedelta(days=1), end) == []
    await _importer(hass, mock_config_entry).async_import_all()
    await async_wait_recording_done(hass)
    rows = await _rows(hass, sid, "grid_import", end - timedelta(days=1), end)
    assert len(rows) == 4
    # Statistic ids are valid and named after their translation.
    assert {s.key for s in STATISTICS} >= {"grid_import", "grid_export"}
    assert statistic_id("AB-12", "grid_import") == "gridx:ab_12_grid_import"


async def test_history_refused_keeps_the_issue(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    emulator: GridxEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 403 on history raises the issue; live successes do not clear it."""
    monkeypatch.setattr(statistics, "BACKFILL", timedelta(hours=2))
    freezer.move_to(NOON)
    emulator.live.clock = dt_util.utcnow
    emulator.faults.add("get_historical", status=403)
    await _setup(hass, mock_config_entry)
    issues = ir.async_get(hass)
    live = mock_config_entry.runtime_data.live
    assert live is not None
    assert issues.async_get_issue(DOMAIN, issue_id(mock_config_entry.entry_id))
    await live.async_refresh()
    assert issues.async_get_issue(DOMAIN, issue_id(mock_config_entry.entry_id))
    # History readable again: the next import and live poll clear it.
    await _importer(hass, mock_config_entry).async_import_all()
    await live.async_refresh()
    assert issues.async_get_issue(DOMAIN, issue_id(mock_config_entry.entry_id)) is None
    await async_wait_recording_done(hass)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "{system} Grid import (gridX history)"),
        ("de", "{system} Netzbezug (gridX-Verlauf)"),
    ],
)
async def test_statistic_names_name_the_system_in_the_server_language(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    mock_config_entry: MockConfigEntry,
    emulator: GridxEmulator,
    demo_ids: DemoIds,
    language: str,
    expected: str,
) -> None:
    """Names carry the gateway's name and say "history", in the server's language."""
    monkeypatch.setattr(statistics, "BACKFILL", timedelta(hours=3))
    freezer.move_to(NOON)
    emulator.live.clock = dt_util.utcnow
    hass.config.language = language
    await _setup(hass, mock_config_entry)
    stat = statistic_id(demo_ids.system_id, "grid_import")
    metadata = await get_instance(hass).async_add_executor_job(
        partial(get_metadata, hass, statistic_ids={stat})
    )
    system = emulator.state.gateways[demo_ids.gateway_id].name
    assert metadata[stat][1]["name"] == expected.format(system=system)
