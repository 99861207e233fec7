"""read_ahead: items in order, made ahead in a thread; errors in turn; a caller that stops early stops the thread."""
import threading

import pytest

from montage_ai.read_ahead import read_ahead


def test_items_in_order_made_in_another_thread_at_most_depth_ahead():
    made = []

    def items():
        for k in range(10):
            made.append((k, threading.current_thread().name))
            yield k

    got = read_ahead(items(), depth=2, name="maker")
    assert next(got) == 0
    threading.Event().wait(0.2)  # the maker fills the queue (2) and holds one more, then waits
    assert len(made) <= 4 and all(name == "maker" for _, name in made)
    assert list(got) == list(range(1, 10))


def test_an_error_is_raised_after_the_items_before_it():
    def items():
        yield 1
        yield 2
        raise ValueError("broken at 3")

    got = read_ahead(items())
    assert next(got) == 1 and next(got) == 2
    with pytest.raises(ValueError, match="broken at 3"):
        next(got)


def test_stopping_early_interrupts_and_closes_the_source_in_its_thread():
    closed, interrupted = [], []

    def items():
        try:
            k = 0
            while True:
                yield k
                k += 1
        finally:
            closed.append(threading.current_thread().name)

    got = read_ahead(items(), name="maker", interrupt=lambda: interrupted.append(True))
    assert next(got) == 0
    got.close()
    assert closed == ["maker"] and interrupted == [True]
    assert not any(t.name == "maker" for t in threading.enumerate())
