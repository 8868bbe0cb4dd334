"""The gridX protocol: signatures, event models and the REST client.

Nothing in this package imports Home Assistant; a test enforces that. It is
the part that could become a PyPI library of its own.
"""
