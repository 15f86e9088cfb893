"""Writing: summaries (extractive and LLM), grounding, and sanitising model output."""
