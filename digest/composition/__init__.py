"""Composition: briefs, digests and alerts as Documents; schedules; plain-text rendering."""
