"""Placeholder: proxy functions and Invoke-GradioDynamicApi (being written)."""
