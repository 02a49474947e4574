"""Datasource and Authenticate options as a config writes them (strings for booleans and numbers) -> specs."""

from __future__ import annotations

import pytest

from ecconf.runtime.datasources.cache import CachePolicy
from ecconf.runtime.datasources.options import auth_spec, datasource_spec
from ecconf.runtime.datasources.outcome import DatasourceError


def test_datasource_options_with_momentum_defaults() -> None:
    spec = datasource_spec({"uri": ["sqlite:/db/a.db", "sqlite:/db/b.db"]})
    assert spec.uris == ("sqlite:/db/a.db", "sqlite:/db/b.db") and spec.cache == CachePolicy(1000, 3600.0, True)
    tuned = datasource_spec({"uri": "sqlite:/db/a.db", "cache_size": "200", "cache_life": "360", "no_cache": "true"})
    assert tuned.cache == CachePolicy(200, 360.0, False)
    assert datasource_spec({"uri": ["sqlite:/x"], "max_rows": "-1"}).settings.max_rows > 10**6


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({}, "uri"),
        ({"uri": []}, "uri"),
        ({"uri": ["sqlite:/x"], "cache_life": "an hour"}, "cache_life must be a number"),
        ({"uri": ["sqlite:/x"], "cache_size": "-5"}, "cache_size must be at least 0"),
        ({"uri": ["sqlite:/x"], "no_cache": "perhaps"}, "no_cache must be true or false"),
    ],
)
def test_bad_datasource_options_name_the_option(options: dict[str, object], says: str) -> None:
    with pytest.raises(DatasourceError, match=says):
        datasource_spec(options)


def test_authenticate_options_as_written_in_a_config() -> None:
    spec = auth_spec(
        {
            "query": "SELECT password, scheme FROM users WHERE name = :user",
            "cache": "authdb",
            "map": {"user": "%{username}"},
            "returns_password": "true",
            "password_column": "password",
            "type_column": "scheme",
            "type_map": {"C": "clear", "U": "ucrypt"},
        }
    )
    assert spec.returns_password and spec.type_map == (("C", "clear"), ("U", "ucrypt"))
    with pytest.raises(DatasourceError, match="needs query"):
        auth_spec({"cache": "authdb"})
    with pytest.raises(DatasourceError, match="returns_password must be"):
        auth_spec({"query": "SELECT 1", "cache": "a", "returns_password": "maybe"})
