"""Tickets: list upcoming events and sell tickets until they are gone."""
