"""The overview page and, later, dashboards' data, exports and scheduled reports."""
