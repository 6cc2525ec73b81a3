"""``python -m qarnot_async.emulator --port 8080 --speed 10``: see :func:`main`."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
