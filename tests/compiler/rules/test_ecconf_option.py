from ecconf.compiler.checker import CheckOptions, check
from ecconf.compiler.includes import load_text


def codes(text: str) -> list[tuple[str, int, int]]:
    _built, found = check(load_text(text, "/virtual/e206.conf"), CheckOptions(select=("E206", "E201", "E301")))
    return [(d.code, d.span.line, d.span.column) for d in found]


def test_each_ecconf_limit_is_noted_where_it_is_set() -> None:
    text = 'ESMTP_Listener {\n  Bare_LF = reject\n  Listen ":25" { Peer "10.0.0.0/8" { greeting_delay = 2 } }\n}\n'
    assert codes(text) == [("E206", 2, 3), ("E206", 3, 38)]


def test_momentum_options_are_not_noted() -> None:
    assert codes('ESMTP_Listener { Idle_Time = 5 Listen ":25" { } }') == []


def test_a_limit_below_its_floor_is_a_value_error() -> None:
    assert ("E301", 1, 38) in codes('ESMTP_Listener { max_auth_failures = 2 Listen ":25" { } }')


def test_auth_require_tls_is_an_ecconf_extension() -> None:
    assert codes('ESMTP_Listener { Auth_Require_TLS = true Listen ":25" { } }') == [("E206", 1, 18)]
    assert ("E301", 1, 37) in codes('ESMTP_Listener { Auth_Require_TLS = maybe Listen ":25" { } }')


def test_the_global_memory_budget_is_noted_and_checked() -> None:
    listener = 'ESMTP_Listener { Listen ":25" { } }\n'
    assert codes("Message_Memory_Budget = 1048576\n" + listener) == [("E206", 1, 1)]
    assert ("E301", 1, 25) in codes("Message_Memory_Budget = 0\n" + listener)


def test_max_connections_per_address_is_an_ecconf_limit() -> None:
    text = 'ESMTP_Listener {\n  Max_Connections_Per_Address = 5\n  Listen ":25" { }\n}\n'
    assert codes(text) == [("E206", 2, 3)]
    assert ("E301", 1, 48) in codes('ESMTP_Listener { max_connections_per_address = -1 Listen ":25" { } }')


def test_proxy_protocol_trusted_is_an_ecconf_extension_and_proxy_protocol_is_momentums() -> None:
    text = (
        'ESMTP_Listener {\n  Listen ":25" {\n    Proxy_Protocol = true\n'
        '    Proxy_Protocol_Trusted = ( "10.0.0.0/8" )\n  }\n}\n'
    )
    assert codes(text) == [("E206", 4, 5)]
    bad = load_text('ESMTP_Listener { Proxy_Protocol_Trusted = "10.0.0.0/33" Listen ":25" { } }', "/virtual/x.conf")
    assert [(d.code, d.span.column) for d in check(bad, CheckOptions(select=("E304",)))[1]] == [("E304", 43)]
    assert ("E301", 1, 35) in codes('ESMTP_Listener { Proxy_Protocol = maybe Listen ":25" { } }')


def test_the_penalty_store_and_exempt_networks_are_noted_and_checked() -> None:
    listener = 'ESMTP_Listener { Listen ":25" { } }\n'
    text = 'Auth_Penalty_Redis = "unix:///run/redis.sock"\nAuth_Penalty_Exempt = ( "127.0.0.1/32" )\n'
    assert codes(text + listener) == [("E206", 1, 1), ("E206", 2, 1)]
    assert ("E301", 1, 22) in codes('Auth_Penalty_Redis = "http://cache:6379"\n' + listener)
    _built, found = check(load_text('Auth_Penalty_Exempt = ( "10.1.0.0/33" )\n' + listener, "/v.conf"), CheckOptions())
    assert [(d.code, d.span.line, d.span.column) for d in found if d.code == "E304"] == [("E304", 1, 25)]
