from ecconf.compiler.build import build
from ecconf.compiler.fallback import (
    OPTION_FIELDS,
    Resolved,
    Resolver,
    all_classes,
    class_for_ip,
    client_classes,
    effective,
)
from ecconf.compiler.includes import load_text

CONFIG = """
relay_hosts = ( 127.0.0.1 )
ESMTP_Listener {
  idle_time = 100
  AuthPlainParameters = [ uri = "file:listener" ]
  Peer "10.0.0.0/8" { idle_time = 200 max_message_size = 1 }
  Peer "10.1.0.0/16" { idle_time = 250 }
  Listen ":25" {
    max_message_size = 5
    Peer "10.1.2.0/24" { idle_time = 300 }
  }
  Listen ":26" { relay_hosts = ( 192.0.2.0/24 ) }
}
"""


def config():
    loaded = load_text(CONFIG, "/virtual/fallback.conf")
    return build(loaded.root).config


def test_order_listen_peer_then_listen_then_listener_peer_then_listener_then_global_then_default() -> None:
    c = config()
    listener = c.esmtp_listener
    l25, l26 = listener.listens

    def value(listen, ip, field):
        return effective(c, class_for_ip(listener, listen, ip), field)

    assert value(l25, "10.1.2.3", "idle_time").value == 300  # Listen::Peer
    assert value(l25, "10.1.9.9", "idle_time").value == 250  # most specific ESMTP_Listener::Peer
    assert value(l25, "10.9.9.9", "idle_time").value == 200
    assert value(l25, "192.0.2.1", "idle_time").value == 100  # ESMTP_Listener
    assert value(l25, "10.9.9.9", "max_message_size").value == 5  # Listen beats ESMTP_Listener::Peer
    assert value(l26, "10.9.9.9", "max_message_size").value == 1
    assert value(l25, "1.2.3.4", "relay_hosts").level == "global"
    assert value(l26, "1.2.3.4", "relay_hosts").value == ["192.0.2.0/24"]
    assert value(l25, "1.2.3.4", "use_ssl").level == "default"
    assert value(l25, "1.2.3.4", "auth_plain_parameters").value.uri == "file:listener"


def test_resolved_values_carry_the_span_that_set_them() -> None:
    c = config()
    resolved = effective(c, class_for_ip(c.esmtp_listener, c.esmtp_listener.listens[0], "10.1.2.3"), "idle_time")
    assert (resolved.level, resolved.span.line) == ("listen_peer", 10)


def test_client_classes_cover_overlapping_peer_combinations() -> None:
    c = config()
    listener = c.esmtp_listener
    classes = list(client_classes(listener, listener.listens[0]))
    described = {
        (k.listen_peer and k.listen_peer.network, k.listener_peer and k.listener_peer.network) for k in classes
    }
    assert described == {
        (None, None),
        ("10.1.2.0/24", None),
        (None, "10.0.0.0/8"),
        (None, "10.1.0.0/16"),
        ("10.1.2.0/24", "10.0.0.0/8"),
        ("10.1.2.0/24", "10.1.0.0/16"),
    }


def test_a_resolution_answers_every_option_field_as_effective_does() -> None:
    c = config()
    resolver = Resolver(c)
    classes = list(all_classes(c))
    assert len(classes) >= 6
    for cls in classes:
        resolution = resolver.resolve(cls)
        for field in sorted(OPTION_FIELDS):
            assert resolution[field] == effective(c, cls, field), (cls.describe(), field)


def test_resolutions_do_not_leak_between_classes_or_configs() -> None:
    first, second = config(), build(load_text(CONFIG.replace("300", "301"), "/v/b.conf").root).config
    for c, expected in ((first, 300), (second, 301)):
        listener = c.esmtp_listener
        resolver = Resolver(c)
        peer_class = resolver.resolve(class_for_ip(listener, listener.listens[0], "10.1.2.3"))
        plain_class = resolver.resolve(class_for_ip(listener, listener.listens[0], "192.0.2.1"))
        assert (peer_class["idle_time"].value, plain_class["idle_time"].value) == (expected, 100)
        assert peer_class["use_ssl"] == Resolved(False, "default", None, None)


def test_listen_and_listener_peers_combine_only_where_their_networks_overlap() -> None:
    text = """
    ESMTP_Listener {
      Peer "10.0.0.0/8" { }
      Peer "2001:db8::/32" { }
      Peer "192.0.2.128/25" { }
      Listen ":25" {
        Peer "10.255.255.255/32" { }
        Peer "11.0.0.0/8" { }
        Peer "2001:db8:ffff::/48" { }
        Peer "192.0.2.0/25" { }
      }
    }
    """
    c = build(load_text(text, "/virtual/overlap.conf").root).config
    listener = c.esmtp_listener
    pairs = {
        (k.listen_peer.network, k.listener_peer.network)
        for k in client_classes(listener, listener.listens[0])
        if k.listen_peer is not None and k.listener_peer is not None
    }
    assert pairs == {("10.255.255.255/32", "10.0.0.0/8"), ("2001:db8:ffff::/48", "2001:db8::/32")}


def test_clients_are_classed_as_serve_sees_them() -> None:
    """An IPv4-mapped IPv6 peer (a dual-stack socket's) is an IPv4 client; a Unix socket's clients have no
    address, so none of its Peer scopes (nor the listener's) is a class of it: serve never applies them."""
    loaded = load_text(CONFIG.replace('Listen ":26"', 'Listen "/run/ecconf/smtp.sock"'), "/virtual/unix.conf")
    c = build(loaded.root).config
    listener = c.esmtp_listener
    l25, unix = listener.listens
    assert effective(c, class_for_ip(listener, l25, "::ffff:10.1.2.3"), "idle_time").value == 300
    assert effective(c, class_for_ip(listener, unix, None), "idle_time").value == 100
    assert [(cls.listen_peer, cls.listener_peer) for cls in client_classes(listener, unix)] == [(None, None)]
    assert len(list(client_classes(listener, l25))) > 1
