"""SPEC §3 fallback per client, per-mechanism auth resolution, relay decisions, always_allow/deny."""

from __future__ import annotations

import pytest

from ecconf.runtime.config import MechanismSpec, PolicyLayer
from ecconf.runtime.events import AuthStatus, ValidationContext
from ecconf.runtime.policy import PolicyResolver, auth_verdict, client_address, may_relay, resolve

# (Listen, ESMTP_Listener, global), each with Peer scopes where the option is allowed.
LISTEN = PolicyLayer(
    {"idle_time": 10.0},
    peers=(("10.0.0.0/8", {"idle_time": 1.0, "banner_hostname": "listen-peer-8"}), ("10.1.0.0/16", {"idle_time": 2.0})),
)
LISTENER = PolicyLayer(
    {"idle_time": 30.0, "banner_hostname": "listener", "max_message_size": 500},
    peers=(("10.0.0.0/8", {"max_message_size": 100}), ("::1/128", {"open_relay": True})),
)
GLOBAL = PolicyLayer({"relay_hosts": ("192.0.2.0/24",), "max_message_size": 9999})
LAYERS = (LISTEN, LISTENER, GLOBAL)


@pytest.mark.parametrize(
    "client, idle, banner, size",
    [
        # Only the most specific matching Peer counts: the /16 wins, the /8's banner is not consulted.
        ("10.1.2.3", 2.0, "listener", 100),
        ("10.9.9.9", 1.0, "listen-peer-8", 100),
        ("192.0.2.1", 10.0, "listener", 500),
        (None, 10.0, "listener", 500),  # Unix socket: no peer scopes apply
    ],
)
def test_fallback_order(client, idle, banner, size):
    policy = resolve(LAYERS, client)
    assert (policy.idle_time, policy.banner_hostname, policy.max_message_size) == (idle, banner, size)


def test_global_value_and_defaults():
    policy = resolve(LAYERS, "198.51.100.1")
    assert [str(n) for n in policy.relay_hosts] == ["192.0.2.0/24"]
    assert policy.max_recipients_per_message == 0 and policy.enable is True


def test_ipv6_peer_and_mapped_ipv4():
    assert resolve(LAYERS, "::1").open_relay is True
    assert resolve(LAYERS, "::ffff:10.1.0.1").idle_time == 2.0
    assert client_address("fe80::1%eth0") is not None
    assert client_address("not an ip") is None


def test_auth_resolves_per_mechanism():
    plain_listen = MechanismSpec("PLAIN", "file:listen")
    plain_listener = MechanismSpec("PLAIN", "file:listener")
    cram_listener = MechanismSpec("CRAM-MD5", "file:cram")
    layers = (
        PolicyLayer({"auth": {"PLAIN": plain_listen}}),
        PolicyLayer({"auth": {"PLAIN": plain_listener, "CRAM-MD5": cram_listener}}),
    )
    policy = resolve(layers, "192.0.2.1")
    assert dict(policy.auth) == {"PLAIN": plain_listen, "CRAM-MD5": cram_listener}


def test_resolver_caches_and_stays_bounded():
    resolver = PolicyResolver(LAYERS, max_entries=2)
    first = resolver("10.1.2.3")
    assert resolver("10.1.2.3") is first
    resolver("10.9.9.9")
    resolver("192.0.2.1")  # evicts the least recently used entry
    assert resolver("10.1.2.3") is not first
    assert resolver("10.1.2.3") == first


def test_relay_decision():
    policy = resolve(LAYERS, "192.0.2.1")
    nobody = ValidationContext()
    assert may_relay(policy, "192.0.2.1", nobody)  # relay_hosts
    assert not may_relay(policy, "198.51.100.1", nobody)
    assert not may_relay(policy, None, nobody)
    assert may_relay(policy, "198.51.100.1", ValidationContext("PLAIN", AuthStatus.PASS, "alice"))
    assert not may_relay(policy, "198.51.100.1", ValidationContext("PLAIN", AuthStatus.FAIL, "alice"))
    assert may_relay(resolve(LAYERS, "::1"), "::1", nobody)  # open_relay through a peer


def test_always_allow_and_always_deny():
    allow = resolve((PolicyLayer({"always_allow": True}),), "198.51.100.1")
    deny = resolve((PolicyLayer({"always_deny": True}),), "198.51.100.1")
    both = resolve((PolicyLayer({"always_allow": True, "always_deny": True}),), "198.51.100.1")
    assert auth_verdict(allow, False) and may_relay(allow, "198.51.100.1", ValidationContext())
    assert not auth_verdict(deny, True)
    assert not auth_verdict(both, True) and not may_relay(both, "198.51.100.1", ValidationContext())
    assert auth_verdict(resolve((), None), True) and not auth_verdict(resolve((), None), False)
