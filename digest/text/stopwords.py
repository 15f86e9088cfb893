"""The stop-word list: English function words that say nothing about what a text is about, and
the filler of news copy that clustering ignores as well ("today", "report", "announced")."""

from __future__ import annotations

__all__ = ["STOP_WORDS", "NEWS_FILLER"]

_STOP = """
a about after against also amid among an and are as at be been before between but by could first
for from has have he her his in into is it its more new of on or our over said says she than
that the their them there these they this to under was we were what when where which while who
will with would
"""
STOP_WORDS = frozenset(_STOP.split())
"""Ignored by every reader of words: the summarizer's terms, Watch similar's telling words."""

_FILLER = """
above according across again all am amp announce announced announces any because being below
both can cent day days did do does doing down during each eight few five four further get gets
got had having here hers him how i if including itself just last latest made make makes may me
might month months most must my news nine no nor not now off once one only other ours out own
per percent report reported reports s same say set sets seven shall should six so some such t
take takes ten theirs then those three through today too took two until up update updates very
via week whom why year years yesterday you your yours
appeared post read
"""
NEWS_FILLER = frozenset(_FILLER.split())
"""Words news copy uses whatever the story (and WordPress's "The post ... appeared first on"
footer): with STOP_WORDS, what clustering ignores."""
