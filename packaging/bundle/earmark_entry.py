"""The frozen workstation's entry point: the `earmark` command, as from a source checkout."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
