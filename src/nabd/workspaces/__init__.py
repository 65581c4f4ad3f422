"""Workspaces (tenants), users, memberships with roles, and API tokens."""
