"""Quotes: search a catalogue of quotations and vote for the best ones."""
