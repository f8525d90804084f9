"""Decoding, peaks and time-stretch in numpy; player.py is the only Qt module here."""
