"""Tests for the gridX integration."""
