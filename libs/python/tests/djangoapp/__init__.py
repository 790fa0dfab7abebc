"""A small Django app used only by the connector's unit tests."""
