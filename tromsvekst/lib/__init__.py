"""Helpers that know no domain: PDF rendering, uploads, environment, access errors, the page
cache, dates in Oslo time, people's names. Nothing here imports ``agreements``,
``actionplans``, ``evaluation`` or the project's audit and accounts apps."""
