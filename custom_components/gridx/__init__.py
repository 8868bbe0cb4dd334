"""The gridX integration."""
