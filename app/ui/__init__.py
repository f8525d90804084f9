"""Widgets and pyqtgraph items: draw what the editor says, emit intents."""
