"""``python -m sim`` is the same as ``talentsim``."""

import sys

from sim.cli import main

sys.exit(main())
