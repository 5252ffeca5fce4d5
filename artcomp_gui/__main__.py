"""``python -m artcomp_gui`` runs the command line; see ``artcomp_gui.cli``."""

import sys

from artcomp_gui.cli import main

sys.exit(main())
