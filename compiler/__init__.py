"""ecconf.compiler: syntax tree -> models -> checks -> JSON / runtime graph."""
