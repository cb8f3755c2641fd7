"""Hypothesis settings for the property-based robustness tests.

The profile «robustness» is repeatable (``derandomize=True``: the same examples on every run, in
CI too), writes no example database into the repository (``database=None``), and keeps each
property to a few dozen examples so that the folder runs in well under a minute. The tests use
it through ``ROBUSTNESS`` (``@ROBUSTNESS`` on a test), so other tests keep Hypothesis' defaults.
``HYPOTHESIS_MAX_EXAMPLES`` runs more examples for a deeper search, e.g. before a release.
"""

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis caches what it learns of the code (its «constants» and Unicode tables) in
# .hypothesis/ of the working directory, even without an example database: keep it out of the
# repository.
set_hypothesis_home_dir(
    os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    or Path(tempfile.gettempdir()) / "tromsvekst-hypothesis"
)

settings.register_profile(
    "robustness",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "30")),
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    # The fixtures (the agreement, users, a plan) are made once per test, and every example runs
    # in a savepoint that is rolled back, so function-scoped fixtures are what we want.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
ROBUSTNESS = settings.get_profile("robustness")
