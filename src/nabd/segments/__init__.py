"""Segments: named groups of customers defined by rules, with stored membership (C3)."""
