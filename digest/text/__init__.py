"""Text primitives every stage shares: the tokeniser, the plural fold, stop words, sentences."""
