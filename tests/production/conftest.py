"""Fixtures of the production-configured run (``_portal.py`` does the work).

Each test module that needs the running portal gets one site (a database, collected static
files, two gunicorns) for all of its tests. ``make test`` runs pytest with ``--dist loadgroup``,
and each module here puts its tests in one ``xdist_group``, so a module's tests run on one worker
and the site is built once, not once per worker.
"""

import pytest

from tests.production._portal import ProductionSite, postgres_or_skip


def pytest_configure(config):
    # pytest-xdist registers this marker; without xdist (-p no:xdist) it must still be known.
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The portal as README's «Production» describes it, with the demo data, served by two
    gunicorn instances (2 workers each) on one PostgreSQL database: ``production.servers``."""
    db = postgres_or_skip("The production-configured run serves from PostgreSQL.")
    site = ProductionSite.create(db, tmp_path_factory.mktemp("production"))
    try:
        site.install()
        site.start(2)
        yield site
    finally:
        site.close()
