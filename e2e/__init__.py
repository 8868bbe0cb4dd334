"""End-to-end tests: a real hass process, the emulator, real HTTP on 127.0.0.1."""
