"""ecconf.grammar: the Momentum configuration language as a Lark grammar."""
