"""TLS_Protocols parsing."""

from __future__ import annotations

import pytest

from ecconf.runtime.tls import allowed_versions


@pytest.mark.parametrize(
    "items, expected",
    [
        ((), ()),
        (("TLSv1.2:TLSv1.3",), ("TLSv1.2", "TLSv1.3")),
        (("TLSv1.3", "tlsv1.2"), ("TLSv1.2", "TLSv1.3")),
        (("ALL:-SSLv3:-TLSv1",), ("TLSv1.1", "TLSv1.2", "TLSv1.3")),
        (("-SSLv3 -TLSv1 -TLSv1.1",), ("TLSv1.2", "TLSv1.3")),
        (("+TLSv1.2, +TLSv1.3",), ("TLSv1.2", "TLSv1.3")),
    ],
)
def test_allowed_versions(items, expected):
    assert allowed_versions(items) == expected


@pytest.mark.parametrize("items", [("TLSv9",), ("ALL:-ALL",)])
def test_bad_values(items):
    with pytest.raises(ValueError):
        allowed_versions(items)
