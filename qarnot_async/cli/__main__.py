"""``python -m qarnot_async.cli``: the ``qarnot-async`` command."""

from __future__ import annotations

import sys

from . import main

sys.exit(main())
