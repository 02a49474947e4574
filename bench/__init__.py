"""ecconf's benchmarks: generated configs, the compiler against its peers, start-up time.

Rule of this room: measure, never change what is measured; every number comes with the command that made it.
Run everything with `python -m bench` (see bench/run.py).
"""
