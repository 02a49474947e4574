"""The runtime tests' fixtures (scripted sans-IO session, loopback server), shared with the hostile-wire tests.

tests/runtime/conftest.py is loaded under its own module name so that both folders keep one harness.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parents[1] / "runtime" / "conftest.py"
_spec = importlib.util.spec_from_file_location("runtime_harness", _PATH)
assert _spec is not None and _spec.loader is not None
harness = importlib.util.module_from_spec(_spec)
sys.modules["runtime_harness"] = harness
_spec.loader.exec_module(harness)

feed = harness.feed
session = harness.session
make_policy = harness.make_policy
run_server = harness.run_server
make_config = harness.make_config
