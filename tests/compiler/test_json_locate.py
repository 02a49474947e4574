"""json_locate: JSON paths written out, and where each key and value sits in a JSON text."""

from __future__ import annotations

import pytest

from ecconf.compiler.json_locate import json_path, locate, path_at
from ecconf.compiler.span import Span

TEXT = """{
  "esmtp_listener": {
    "listens": [ { "address": ":25", "smtp_extensions": ["AUTH PLAIN", "STARTTLS"] } ]
  },
  "options": { "nas-ip": "a \\"quoted\\" ünïcode", "n": -1.5e3, "t": true, "z": null },
  "scopes": []
}
"""


@pytest.mark.parametrize(
    ("parts", "written"),
    [
        ((), "$"),
        (("esmtp_listener", "listens", 0, "smtp_extensions"), "$.esmtp_listener.listens[0].smtp_extensions"),
        (("options", "nas-ip"), '$.options["nas-ip"]'),
        (("options", 'a"b'), '$.options["a\\"b"]'),
        (("options", "ü"), '$.options["ü"]'),
    ],
)
def test_json_path(parts: tuple[str | int, ...], written: str) -> None:
    assert json_path(parts) == written


def test_keys_and_values_have_line_and_column() -> None:
    places = locate(TEXT, "c.json")
    listen = places.place(("esmtp_listener", "listens", 0))
    assert listen is not None and listen.key is None and listen.container
    assert listen.value == Span("c.json", 3, 18, 3, 85)
    assert listen.start() == Span("c.json", 3, 18, 3, 19)
    ext = places.place(("esmtp_listener", "listens", 0, "smtp_extensions", 1))
    assert ext is not None and ext.value == Span("c.json", 3, 72, 3, 82)
    key = places.place(("esmtp_listener", "listens", 0, "address"))
    assert key is not None and key.key == Span("c.json", 3, 20, 3, 29) and key.value == Span("c.json", 3, 31, 3, 36)


def test_strings_with_escapes_and_other_atoms_are_measured_whole() -> None:
    places = locate(TEXT, "c.json")
    nas = places.place(("options", "nas-ip"))
    assert nas is not None and nas.value.column == 26 and nas.value.end_column == 48
    for key, width in (("n", 6), ("t", 4), ("z", 4)):
        place = places.place(("options", key))
        assert place is not None and place.value.end_column - place.value.column == width


def test_missing_paths_fall_back_to_the_nearest_ancestor() -> None:
    places = locate(TEXT, "c.json")
    assert places.place(("scopes", 3, "name")) == places.place(("scopes",))
    assert places.place(()) is not None


def test_multi_line_values_are_shown_by_their_first_character() -> None:
    places = locate('{"a": {\n "b": 1\n}}', "c.json")
    place = places.place(("a",))
    assert place is not None and place.value == Span("c.json", 1, 7, 3, 2)
    assert place.opening() == Span("c.json", 1, 7, 1, 8)


def test_duplicate_keys_are_found_at_the_second_key() -> None:
    found = locate('{"a": 1,\n "b": {"c": 1, "c": 2},\n "a": 3}', "c.json").duplicates
    assert found == [(("b", "c"), Span("c.json", 2, 16, 2, 19)), (("a",), Span("c.json", 3, 2, 3, 5))]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ('{"a": [1, 2 3]}', ("a",)),
        ('{"a": {"b" 1}}', ("a", "b")),
        ('{"a": [{"b": tru}]}', ("a", 0, "b")),
        ("[", (0,)),
        ("", ()),
    ],
)
def test_path_at_names_what_was_being_read_where_the_text_goes_wrong(text: str, parts: tuple[str | int, ...]) -> None:
    import json

    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        assert path_at(text, exc.pos) == parts
    else:
        pytest.fail("the example is valid JSON")
