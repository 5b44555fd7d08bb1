"""Proxy functions and Invoke-GradioDynamicApi: planning (parameters from /info), rendering
(PowerShell text), values (what a call sends), and the handlers (functions, dynamic)."""
