"""Earmark: a desktop workstation for speech-data annotation."""

__version__ = "0.1.0"
