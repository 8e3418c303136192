"""Helpers shared by the shop's functions, shipped as the `common` layer (under /opt/python)."""
