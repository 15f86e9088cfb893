"""The shapes every layer trades in: documents and cards, story texts and facts, tags.

Imports nothing of ours."""
