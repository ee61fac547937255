"""The garbage-collector pause used by long batch steps restores the collector as it found it."""

import gc

import pytest

from partnerhub.core.memory import collector_paused, pauses_collector


@pytest.fixture(autouse=True)
def _restore_collector():
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_paused_in_the_block_and_back_on_after_it_even_after_an_error():
    gc.enable()
    seen = []

    def step():
        with collector_paused():
            seen.append(gc.isenabled())
            with collector_paused():  # nested: still paused, and the outer block still restores it
                seen.append(gc.isenabled())
            seen.append(gc.isenabled())
            raise RuntimeError("step failed")

    with pytest.raises(RuntimeError):
        step()
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_a_collector_already_off_stays_off():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_the_decorator_pauses_the_collector_for_the_call():
    gc.enable()

    @pauses_collector
    def step(x):
        return x, gc.isenabled()

    assert step(3) == (3, False)
    assert gc.isenabled()
