"""Widgets and pyqtgraph items only: they draw what they are told and emit what the person
asked for; the workstation (app/workstation) decides what that means."""
