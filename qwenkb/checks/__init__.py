"""Checks of the code itself that CI runs beside the linters (``python -m qwenkb.checks.services``)."""
