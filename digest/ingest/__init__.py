"""Ingest: safe fetching, parsing, cleaning, and one refresh of a source.

A refresh reads what is stored, decides in pure code, writes once, then runs its hooks."""
