"""The Hypothesis profile «robustness» (tests/helpers/robustness.py), registered before the
robustness tests are collected."""

import tests.helpers.robustness  # noqa: F401
