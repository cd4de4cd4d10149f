"""``python -m gomap``: the ``gomap`` command."""

import sys

from gomap.cli import main

sys.exit(main())
