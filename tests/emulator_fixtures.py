"""Fixtures that run the local gridX emulator (filled in with the emulator)."""
