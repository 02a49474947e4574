"""The session's database servers (ds_servers.py) as fixtures for every datasource test here."""

from __future__ import annotations

from ds_servers import pg, slapd

__all__ = ["pg", "slapd"]
