"""ecconf.runtime: SMTP protocol, SASL mechanisms, credential stores and the asyncio server."""
