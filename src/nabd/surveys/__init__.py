"""Surveys: definitions, the respondent's page, responses and results (voice of the customer)."""
