"""The gridX homeowner portals: which Auth0 client and realm each one logs in with.

All portals share one Auth0 tenant (``https://gridx.eu.auth0.com``) and the
gridX API; only ``client_id`` and ``realm`` differ. Every realm is
``<prefix>-authentication-db``, and the prefix is the portal's key here.

Sources (keys of ``shared/docs/gridx-live-facts.md`` §1.4 and §7): the table
is L-const (``lackas/ha-gridx`` ``custom_components/gridx/const.py`` @
1fc2eaa20749), scraped by L-prov from the multi-tenant SPA at
``homeone.gridx.de``; EGS and sonnen come from M-const only
(``markusschultheis/gridx-homeassistant`` ``const.py`` @ 0e0b531243e1); the
E.ON Home Manager entry is also in C-cfg (``unl0ck/gridx-connector``
``eon-home.config.json``) and M-const; the Viessmann entry also in C-cfg-v
and O-api. Not documented: whether every client accepts the new audience
``https://api.gridx.de`` (the session falls back to the old one).
"""

from dataclasses import dataclass
from typing import Final

REALM_SUFFIX: Final = "-authentication-db"


@dataclass(frozen=True, slots=True)
class Portal:
    """One OEM portal: its realm prefix (the key), name, Auth0 client and realm."""

    key: str
    name: str
    client_id: str
    # gridX shut the portal down (gridx-live-facts §1.4): offered last, with
    # a marker (the config flow's ``selector.portal`` translation).
    shut_down: bool = False

    @property
    def realm(self) -> str:
        """Return the Auth0 database connection, ``<key>-authentication-db``."""
        return f"{self.key}{REALM_SUFFIX}"


DEFAULT_PORTAL: Final = "eon-home"

# Ordered by name, as the portals are offered to the user; portals gridX
# has shut down come last.
PORTALS: Final[tuple[Portal, ...]] = (
    Portal("1komma5grad", "1KOMMA5°", "CrqUiQt6VhwOgWHqkX40CgYNlhABF3dB"),
    Portal("bdl-next", "Bdl Next", "xVDQkuyCK9gRm4Di1uNAwpWjKLehUu1u"),
    Portal("efa-home", "EFA-Home", "VsgghMKZYiSku5OUo6B5MenBf8XmTA8z"),
    Portal("egs", "EGS", "sBH1ahx8Bm5pqPbg21UEaG01Wiul46Lu"),
    Portal("empavo", "empavo", "SGi5e55lb4kPlx54sTwqmSx50agfGkkp"),
    Portal("enviam", "enviaM", "ubZZBgnq9W9cNksekUuWWsw73bB3SVLv"),
    Portal("eon-feh-nl", "E.ON FEH (NL)", "VpunLkvfSk0CYnfFeZPeceEPb88ihoEZ"),
    Portal("eon-home", "E.ON Home Manager", "mG0Phmo7DmnvAqO7p6B0WOYBODppY3cc"),
    Portal("evm", "EVM", "63FyqwVC8z5s0Ej7fk4epfHhvr1rVJiD"),
    Portal("ewv", "EWV", "0IYvvxIwlP4OxPF9PLwjZCem5U1yibgn"),
    Portal("giedorf", "Giedorf", "cUC6Lo5Rly2Vkx0KqwmPnb5KXGk8FK5R"),
    Portal("greenblocks", "Greenblocks", "EsfZCmULf0yhads5dwMNMEd5WFgEzeei"),
    Portal("heimwatt", "Heimwatt", "EWf6tTifj13GK8GwrlnRkrKsMnh4LFLb"),
    Portal("hemos", "hemos", "q9OlJhQGhkf0OzW356VLw6UzlR3qgWhh"),
    Portal("ibc-homeone", "IBC HomeOne Hub", "F9aEJdfve0nL65yA0aWSdCwiWqDYIHgm"),
    Portal("klarsolar", "KlarSolar", "48CcbpQ77QfqdSKkxsmFBl1yQTLZM219"),
    Portal("lew", "LEW (Lechwerke)", "4FDgJwNbBxwWBzvQHXjQqOsum8R7cKVR"),
    Portal("octopus", "Octopus Energy", "tBL5sAPBmZI2X9pA7lXX6rAiP7NXdOnu"),
    Portal("pvgreen", "PV Green", "dbWuzhZqII1x0yX3SzzfHxsKxhZ91qzO"),
    Portal("sonnen", "sonnen", "Bcb0YhU9AhMvgEijBH0cb4vwLU5FwJ3M"),
    Portal("swnor", "Stadtwerke Norderstedt", "Ssg8OSIHDjquuyRKxIjBj6YWCfDcCyHj"),
    Portal("upvolt", "upVolt", "rcGfmimyTQONxjY3BAfUNvHMjI2RL4QD"),
    Portal("zero-1", "Zero 1", "7fMy9SJcViJzKqfcwYcjcgwMlbgbC7SH"),
    # Legacy: the Viessmann GridBox portal shut down at the end of 2025
    # (C-readme); its users moved to E.ON. Kept for accounts that still work.
    Portal(
        "viessmann",
        "Viessmann GridBox",
        "oZpr934Ikn8OZOHTJEcrgXkjio0I0Q7b",
        shut_down=True,
    ),
)

PORTALS_BY_KEY: Final[dict[str, Portal]] = {portal.key: portal for portal in PORTALS}


def get_portal(key: str) -> Portal:
    """Return the portal with realm prefix ``key``; KeyError when unknown."""
    return PORTALS_BY_KEY[key]
