"""python -m app.server.cli: the earmark-server command."""

import os
import sys

from app.server.cli import main

os.environ.setdefault("PYTHONUNBUFFERED", "1")
sys.exit(main())
