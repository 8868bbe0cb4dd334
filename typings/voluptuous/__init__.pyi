# What mypy should see for `import voluptuous as vol` (pyproject: mypy_path).
#
# Home Assistant 2026.9 and later run `voluptuous` as probatio: the
# homeassistant package installs probatio's voluptuous shim before any
# integration is imported, and its APIs (section, async_show_form, ...) are
# annotated with probatio's types. Releases 2026.3-2026.8 run voluptuous
# itself. The integration keeps Home Assistant's conventional
# `import voluptuous as vol`, which runs on both; mypy checks it against the
# newest release, so this stub names probatio as the module behind it.
# Removable when Home Assistant's annotations accept voluptuous' own types.
from probatio import *  # noqa: F403
