"""Placeholder: Hugging Face Space cmdlets (being written)."""
