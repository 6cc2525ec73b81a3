"""The ``qarnot-async`` command: the SDK from a shell.

Configuration comes, strongest first, from the flags (``--token``, ``--url``...), the
official SDKs' environment variables (``QARNOT_CLIENT_TOKEN``...) and a ``qarnot.conf``
given with ``--config``. A user mistake (bad token, unknown uuid, malformed file) is
one line on stderr and exit status 1 (2 for a malformed command line or file), never
a traceback; Ctrl-C exits 130 and a closed pipe (``| head``) ends quietly.

One module per command group: ``_entities`` (tasks, pools, jobs), ``_submit``,
``_catalog`` (hardware, profiles, account, secrets), ``_buckets``; ``_app`` holds the
global flags and how the process ends, ``_output`` how everything prints.
"""

from __future__ import annotations

from ._app import main

__all__ = ["main"]
