"""Browser tests (a package, so this conftest is `e2e.conftest` and never shadows
the `conftest` module that tests/*.py import from)."""
