"""No label a user reads repeats a word, in English or German.

A label is what the frontend puts together from the device name, the entity
name and Home Assistant's own texts: the device triggers and conditions of
a binary sensor's or sensor's device class ("{entity_name} plugged in"), an
entity with its state ("Battery: Charging"), an event entity with its event
type, and this integration's own device triggers. They are computed here
from the translation files (this integration's and Home Assistant's), the
entity descriptions and the device names a user sees. Live sensors are
covered on every device they can sit on, an appliance's with its plain and
its numbered name ("Battery 2 power", several of a kind in one system).

One repeat is Home Assistant's and allowed: the device triggers and
conditions of a numeric sensor name the quantity of its device class after
the entity ("{entity_name} power changes"), so "Battery power" reads "…
Battery power power changes". Names without the quantity would make power
and energy sensors read alike ("Grid import" twice), so a word of that
template may repeat there; every other word may not.
"""

from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.components import (
    binary_sensor as bs_component,
    sensor as sensor_component,
)
from homeassistant.components.binary_sensor import (
    device_condition as bs_condition,
    device_trigger as bs_trigger,
)
from homeassistant.components.sensor import (
    device_condition as sensor_condition,
    device_trigger as sensor_trigger,
)
from homeassistant.const import CONF_TYPE
import pytest

from custom_components.gridx.binary_sensor import BINARY_SENSORS
from custom_components.gridx.const import ResourceKind
from custom_components.gridx.entity import GridxEntityDescription
from custom_components.gridx.event import EVENT_DESCRIPTIONS
from custom_components.gridx.live.appliance import (
    ITEM_SENSORS,
    numbered_translation_key,
)
from custom_components.gridx.live.descriptions import SYSTEM_SENSORS
from custom_components.gridx.sensor import SENSORS
from custom_components.gridx.state.resource_model import GridxResource

COMPONENT = Path(__file__).parents[1] / "custom_components" / "gridx"
LANGUAGES = {"en": "translations/en.json", "de": "translations/de.json"}
WORD = re.compile(r"[^\W_]+|§\w+")


def _load(path: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def _core(component: Any, language: str) -> dict[str, Any]:
    return _load(Path(component.__file__).parent / "translations" / f"{language}.json")


def _devices(
    ours: dict[str, Any], language: str
) -> dict[ResourceKind, list[tuple[str, GridxResource]]]:
    """The devices a user sees, per kind (appliance names come from gridX)."""
    ev = ours["device"]["ev"]["name"].format(suffix="3f9a")
    station = ours["device"]["charging_station"]["name"]
    inverter = {"en": "Inverter", "de": "Wechselrichter"}[language]
    appliance = GridxResource(ResourceKind.APPLIANCE, "a", appliance_type="INVERTER")
    return {
        ResourceKind.GATEWAY: [("gridBox", GridxResource(ResourceKind.GATEWAY, "g"))],
        ResourceKind.APPLIANCE: [(inverter, appliance), ("Fronius Symo", appliance)],
        ResourceKind.EV: [
            (ev, GridxResource(ResourceKind.EV, "e")),
            (station, GridxResource(ResourceKind.EV, "s", legacy_station=True)),
        ],
    }


def _entity_name(
    ours: dict[str, Any], platform: str, description: Any, device: str
) -> str:
    if description.name is None:
        return device
    name = ours["entity"][platform][description.translation_key]["name"]
    return f"{device} {name}"


def _states(
    ours: dict[str, Any], core: dict[str, Any], platform: str, description: Any
) -> list[str]:
    own = ours["entity"][platform].get(description.translation_key or "", {})
    if "state" in own:
        return list(own["state"].values())
    if platform == "binary_sensor":
        key = description.device_class or "_"
        return list(core["entity_component"][key]["state"].values())
    return []


def _automation_texts(
    core: dict[str, Any], triggers: list[str], conditions: list[str]
) -> Iterator[str]:
    yield from (core["device_automation"]["trigger_type"][t] for t in triggers)
    yield from (core["device_automation"]["condition_type"][c] for c in conditions)


def _binary_sensor_types(description: Any) -> tuple[list[str], list[str]]:
    device_class = description.device_class or bs_trigger.DEVICE_CLASS_NONE
    triggers = bs_trigger.ENTITY_TRIGGERS.get(
        device_class, bs_trigger.ENTITY_TRIGGERS[bs_trigger.DEVICE_CLASS_NONE]
    )
    conditions = bs_condition.ENTITY_CONDITIONS.get(
        device_class, bs_condition.ENTITY_CONDITIONS[bs_condition.DEVICE_CLASS_NONE]
    )
    return [t[CONF_TYPE] for t in triggers], [c[CONF_TYPE] for c in conditions]


def _sensor_types(description: Any) -> tuple[list[str], list[str]]:
    if description.native_unit_of_measurement is None and not description.state_class:
        return [], []  # not numeric (an enum): no device triggers or conditions
    device_class = description.device_class or sensor_trigger.DEVICE_CLASS_NONE
    triggers = sensor_trigger.ENTITY_TRIGGERS.get(
        device_class, sensor_trigger.ENTITY_TRIGGERS[sensor_trigger.DEVICE_CLASS_NONE]
    )
    conditions = sensor_condition.ENTITY_CONDITIONS.get(
        device_class,
        sensor_condition.ENTITY_CONDITIONS[sensor_condition.DEVICE_CLASS_NONE],
    )
    return [t[CONF_TYPE] for t in triggers], [c[CONF_TYPE] for c in conditions]


def _live_labels(ours: dict[str, Any], language: str) -> Iterator[tuple[str, set[str]]]:
    """Yield the labels of the live sensors and the words each may repeat."""
    core = _core(sensor_component, language)
    devices = _devices(ours, language)
    gateway = [name for name, _ in devices[ResourceKind.GATEWAY]]
    appliances = [name for name, _ in devices[ResourceKind.APPLIANCE]]
    cases: list[tuple[Any, str, dict[str, str], list[str]]] = [
        (description, description.translation_key, {}, gateway)
        for description in SYSTEM_SENSORS
    ]
    for description in ITEM_SENSORS:
        key = description.translation_key
        cases.append((description, key, {}, gateway + appliances))
        numbered = numbered_translation_key(key)
        cases.append((description, numbered, {"number": "2"}, gateway + appliances))
    for description, key, placeholders, device_names in cases:
        table = ours["entity"]["sensor"][key]
        triggers, conditions = _sensor_types(description)
        for device in device_names:
            entity = f"{device} {table['name'].format(**placeholders)}"
            yield entity, set()
            for state in table.get("state", {}).values():
                yield f"{entity} {state}", set()
            for text in _automation_texts(core, triggers, conditions):
                # The words of core's numeric-sensor template (docstring).
                own = text.replace("{entity_name}", " ")
                yield text.format(entity_name=entity), repeated_words(f"{own} {own}")


def labels(language: str) -> list[str]:
    """Return every label of this integration's entities and triggers."""
    ours = _load(COMPONENT / LANGUAGES[language])
    devices = _devices(ours, language)
    result: list[str] = list(ours["device_automation"]["trigger_type"].values())
    platforms: list[tuple[str, Any, tuple[GridxEntityDescription, ...]]] = [
        ("binary_sensor", bs_component, BINARY_SENSORS),
        ("sensor", sensor_component, SENSORS),
    ]
    for platform, component, descriptions in platforms:
        core = _core(component, language)
        for description in descriptions:
            if platform == "binary_sensor":
                triggers, conditions = _binary_sensor_types(description)
            else:
                triggers, conditions = _sensor_types(description)
            for device, resource in devices[description.kind]:
                if not description.exists_fn(resource):
                    continue
                entity = _entity_name(ours, platform, description, device)
                result.append(entity)
                result.extend(
                    f"{entity} {state}"
                    for state in _states(ours, core, platform, description)
                )
                result.extend(
                    text.format(entity_name=entity)
                    for text in _automation_texts(core, triggers, conditions)
                )
    result.extend(label for label, _ in _live_labels(ours, language))
    for description in EVENT_DESCRIPTIONS:
        table = ours["entity"]["event"][description.translation_key]
        for device, resource in devices[description.kind]:
            if resource.legacy_station:
                continue  # no event of a legacy station is momentary
            entity = f"{device} {table['name']}"
            result.append(entity)
            result.extend(
                f"{entity} {state}"
                for state in table["state_attributes"]["event_type"]["state"].values()
            )
    return result


def repeated_words(label: str) -> set[str]:
    """Return the words that occur more than once in ``label``."""
    words = [word.casefold() for word in WORD.findall(label)]
    return {word for word in words if words.count(word) > 1}


def test_repeated_words_are_found() -> None:
    """The check sees the stutter the issue reported, and nothing in good text."""
    assert repeated_words("Electric vehicle Plugged in plugged in") == {"plugged", "in"}
    assert repeated_words("Sobald Eingesteckt eingesteckt wird") == {"eingesteckt"}
    assert repeated_words("Inverter Inverter problem") == {"inverter"}
    assert repeated_words("gridBox §14a-Leistungsbegrenzung beginnt") == set()


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_label_repeats_a_word(language: str) -> None:
    """Triggers, conditions, entity names and states read without stutter."""
    live = dict(_live_labels(_load(COMPONENT / LANGUAGES[language]), language))
    found = labels(language)
    assert len(found) > 100
    assert len(live) > 200
    assert {
        label: repeated_words(label) - live.get(label, set())
        for label in found
        if repeated_words(label) - live.get(label, set())
    } == {}
    # What the allowance forgives is only core's quantity words.
    forgiven = {
        word for label, words in live.items() for word in repeated_words(label) & words
    }
    assert (
        forgiven
        == {
            "en": {"power", "energy", "battery"},
            "de": {"leistung", "energie"},
        }[language]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_labels_include_what_the_issue_saw(language: str) -> None:
    """The plug-in trigger of a vehicle reads as one sentence.

    Two batteries on the gateway are numbered next to the system's sum, and
    the vehicle's charging sensor is "Charging" (no "Battery charging").
    """
    expected = {
        "en": {
            "Electric vehicle 3f9a plugged in",
            "gridBox Battery power",
            "gridBox Battery 2 power",
            "gridBox Battery 2 state of charge",
            "gridBox Heat pump 2 SG Ready state",
            "gridBox Charger 2 plug state Unplugged",
            "Electric vehicle 3f9a Charging",
            "Electric vehicle 3f9a Charging turned on",
        },
        "de": {
            "Sobald Elektrofahrzeug 3f9a eingesteckt wird",
            "gridBox Batterieleistung",
            "gridBox Batterie 2 Leistung",
            "gridBox Batterie 2 Ladestand",
            "gridBox Wärmepumpe 2 SG-Ready-Zustand",
            "gridBox Ladestation 2 Steckerstatus Nicht eingesteckt",
            "Elektrofahrzeug 3f9a Laden",
            "Sobald Elektrofahrzeug 3f9a Laden eingeschaltet wird",
        },
    }[language]
    found = labels(language)
    assert expected <= set(found)
    assert not [label for label in found if "Battery charging" in label]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_item_sensor_has_a_numbered_name(language: str) -> None:
    """Each appliance sensor has a numbered name with ``{number}``, and its states."""
    sensors = _load(COMPONENT / LANGUAGES[language])["entity"]["sensor"]
    icons = _load(COMPONENT / "icons.json")["entity"]["sensor"]
    for description in ITEM_SENSORS:
        key = description.translation_key
        numbered = sensors[numbered_translation_key(key)]
        assert "{number}" in numbered["name"]
        assert numbered.get("state") == sensors[key].get("state")
        assert icons.get(numbered_translation_key(key)) == icons.get(key)
