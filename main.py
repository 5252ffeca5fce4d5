"""Start the ArtComp desktop explorer: ``python main.py [IMAGES OR FOLDERS...]``."""

from __future__ import annotations

import sys

from artcomp_gui.ui.app import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
