"""Channels and touchpoints; journey maps and stages grow here."""
