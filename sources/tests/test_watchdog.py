"""The shared watchdog calls back at each deadline, in deadline order, unless disarmed."""

import functools
import threading
import time
import weakref

from sources.watchdog import Watchdog


def test_callbacks_run_at_their_deadlines_soonest_first():
    watchdog, order, done = Watchdog(), [], threading.Event()
    watchdog.arm(0.3, lambda: (order.append("late"), done.set()))
    started = time.monotonic()
    watchdog.arm(0.05, lambda: order.append("soon"))  # armed later, due sooner

    assert done.wait(5)
    assert order == ["soon", "late"]
    assert time.monotonic() - started >= 0.3


def test_a_disarmed_callback_never_runs_and_others_still_do():
    watchdog, called, done = Watchdog(), [], threading.Event()
    key = watchdog.arm(0.05, lambda: called.append("disarmed"))
    watchdog.disarm(key)
    watchdog.arm(0.2, done.set)

    assert done.wait(5)
    assert called == []


def test_a_failing_callback_does_not_stop_the_watchdog(caplog):
    watchdog, done = Watchdog(), threading.Event()
    watchdog.arm(0.01, lambda: 1 / 0)
    watchdog.arm(0.05, done.set)

    assert done.wait(5)
    assert "Watchdog callback failed" in caplog.text


def test_disarming_lets_go_of_the_callback_at_once():
    watchdog = Watchdog()

    class Response:  # what net's callback holds: a response and its decompressor
        pass

    response = Response()
    gone = threading.Event()
    weakref.finalize(response, gone.set)
    key = watchdog.arm(60, functools.partial(id, response))  # holds it, as net's does
    watchdog.disarm(key)
    del response

    assert gone.is_set()  # not kept for the minute its deadline is away
