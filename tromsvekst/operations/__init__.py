"""Backing up and restoring the portal (``backup.py``, ``backup_portal``, ``restore_portal``).

Knows no domain app: an app whose rows name stored files with their SHA-256 registers a check of
them in ``stored_files`` from its ``AppConfig.ready()``.
"""
