"""Behavioural events and purchase transactions, the "what did they do" half of the profile."""
