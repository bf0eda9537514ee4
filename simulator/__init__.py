"""A local platform simulator: generated blogs and misbehaving endpoints over real HTTP.

Stdlib only, no Django. Used by the demo (`python -m simulator`), tests and benchmarks.
"""

from simulator.server import Simulator, start_in_thread

__all__ = ["Simulator", "start_in_thread"]
