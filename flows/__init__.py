"""Prefect flows: sync the exports, publish the reports, and the pipeline doing both.

The flows only wrap tafiti's functions in tasks; the CLI and the scheduler
(``tafiti serve``) run these same flows.
"""
