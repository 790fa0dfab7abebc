"""Snorky backend connectors for Python.

A drop-in replacement for the ``snorky.backend`` package of the original
Snorky (0.1.0-a3), talking to Snorky for NestJS. Only the backend side is
provided here; the server itself is the NestJS project.
"""

__version__ = "0.2.0"
