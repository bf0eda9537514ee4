"""Pytest fixtures for the simulator; register with `pytest_plugins = ["simulator.pytest_plugin"]`.

`simulator` is one server for the whole session (12 blogs, seed 1). Tests that change it
(`add_post`, `set_status`) should use paths no other test depends on, or undo their change;
`fresh_simulator` gives a private server instead, at the cost of ~0.1 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.server import Simulator, start_in_thread


@pytest.fixture(scope="session")
def simulator() -> Iterator[Simulator]:
    sim = start_in_thread(port=0, blogs=12, seed=1)
    yield sim
    sim.stop()


@pytest.fixture
def fresh_simulator() -> Iterator[Simulator]:
    sim = start_in_thread(port=0, blogs=4, seed=1, posts_per_blog=5)
    yield sim
    sim.stop()
