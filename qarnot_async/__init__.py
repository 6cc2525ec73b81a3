"""qarnot_async: the async-first SDK for the Qarnot Compute API."""

from ._version import __version__

__all__ = ["__version__"]
