"""The example data for `make run` and the tests (``manage.py load_demo``), all marked as such.

``users`` (the demo logins and a small second agreement), ``plan`` (the action plan 2025–2026 of
``fixtures/demo/plan-2025-2026.json`` with its progress history), ``meetings``, ``evaluation`` and
``indicators``. Production leaves this app out (``DEMO=False``).
"""
