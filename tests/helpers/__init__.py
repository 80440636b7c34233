"""Helpers shared by the tests: one place, so no test module imports another's."""
