"""Judgement on items and stories: topics and jurisdictions, same-event clustering, queries."""
