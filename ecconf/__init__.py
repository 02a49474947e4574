"""ecconf: lint, convert and serve Momentum-style MTA configurations."""

__version__ = "0.1.0"
