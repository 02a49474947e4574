"""`python -m bench` runs the whole suite (see bench/run.py)."""

from .run import main

raise SystemExit(main())
