"""CX metrics: NPS, CSAT, CES, sentiment, churn, retention, service times, and their uncertainty.

The modules here are pure maths over counts, sums and plain records; they import no database
code, so the dashboards, the rollup jobs and the analytics snapshot all share one definition.
"""
