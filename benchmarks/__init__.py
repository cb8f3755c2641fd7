"""`make bench`: builds county- and national-scale data sets in databases of their own and
measures the dashboard, the action plan page, the inline progress POST and the evaluation PDF.

Not part of the portal's runtime code and not run by ``make test``. Entry point:
``python -m benchmarks.run`` (see ``--help``).
"""
