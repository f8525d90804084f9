"""Earmark, in three parts.

- The shared core, without Qt: app.model, app.formats, app.audio, app.protocol, app.sealed and
  app.keymap. The workstation and the server both use it.
- The workstation: app.workstation (its control and services, no widgets), app.ui (the
  widgets), app.main (the composition root) and app.cli (the earmark command).
- The server: app.server (earmark-server), which shares only the core with the workstation.
"""

__version__ = "0.1.0"
