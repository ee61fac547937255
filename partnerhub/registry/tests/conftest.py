"""Registry tests exercise the partner status machine on its own. Other apps' status guards (due
diligence: no activation without a valid approval) have their own tests in those apps."""

import pytest


@pytest.fixture(autouse=True)
def _without_other_apps_status_guards():
    from partnerhub.registry import guards

    saved = list(guards._status_guards)
    guards._status_guards.clear()
    yield
    guards._status_guards[:] = saved
