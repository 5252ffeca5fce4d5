"""Start the ArtComp desktop explorer: ``python main.py [--model DIR] [IMAGES OR FOLDERS...]``."""

from __future__ import annotations

import sys

from artcomp_gui.cli import main

if __name__ == "__main__":
    sys.exit(main(["gui", *sys.argv[1:]]))
