"""Reload planning: sockets are matched by address, kept, added or removed; specs swap only at commit."""

from __future__ import annotations

from pathlib import Path

from ecconf.runtime.config import ListenAddress, ListenerSpec, PolicyLayer, ServerConfig
from ecconf.runtime.listeners import plan


def config(*listens: str, disabled: tuple[str, ...] = (), banner: str = "") -> ServerConfig:
    specs = tuple(
        ListenerSpec(
            text,
            ListenAddress.parse(text),
            (PolicyLayer({"enable": text not in disabled, "banner_hostname": banner}),),
        )
        for text in listens
    )
    return ServerConfig(hostname="mx.test", spool_base=Path("spool"), listeners=specs)


def bind(p) -> dict:
    for i, slot in enumerate(p.added):
        slot.bound = ("127.0.0.1", 2000 + i)
    return p.commit()


def test_first_plan_binds_every_enabled_listener():
    p = plan(config("127.0.0.1:25", "/tmp/x.sock", "[::1]:25", disabled=("[::1]:25",)), {})
    assert [s.spec.name for s in p.added] == ["127.0.0.1:25", "/tmp/x.sock"]
    assert p.removed == [] and p.disabled == ["[::1]:25"]


def test_reload_keeps_same_addresses_adds_new_and_removes_gone():
    current = bind(plan(config("127.0.0.1:25", "127.0.0.1:587"), {}))
    kept = current[ListenAddress.parse("127.0.0.1:25")]
    kept.active = 3
    p = plan(config("127.0.0.1:25", "127.0.0.1:2525", banner="new.example"), current)
    assert [s.spec.name for s in p.added] == ["127.0.0.1:2525"]
    assert [s.spec.name for s in p.removed] == ["127.0.0.1:587"]
    assert kept.resolver(None).banner_hostname == ""  # nothing changes before the commit
    slots = p.commit()
    assert slots[ListenAddress.parse("127.0.0.1:25")] is kept and kept.active == 3  # same socket, same count
    assert kept.resolver(None).banner_hostname == "new.example"
    assert p.result().removed == ("127.0.0.1:587",)


def test_address_spellings_share_one_socket():
    current = bind(plan(config(":25"), {}))
    p = plan(config("*:25"), current)
    assert p.added == [] and p.removed == []
    assert p.commit()[ListenAddress.parse("0.0.0.0:25")].spec.name == "*:25"


def test_disabling_a_listener_removes_its_socket():
    current = bind(plan(config("127.0.0.1:25"), {}))
    p = plan(config("127.0.0.1:25", disabled=("127.0.0.1:25",)), current)
    assert [s.spec.name for s in p.removed] == ["127.0.0.1:25"] and p.wanted == {}
