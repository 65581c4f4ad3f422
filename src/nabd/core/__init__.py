"""Shared building blocks: database, errors, i18n, security, audit, pagination.

`core` imports no domain package; domains build on it.
"""
