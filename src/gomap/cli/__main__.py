"""``python -m gomap.cli``: the ``gomap`` command."""

import sys

from gomap.cli import main

sys.exit(main())
