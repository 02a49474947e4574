"""Admission: Listener_Sessions and Max_Connections_Per_Address, counted per listener; tickets give back."""

from __future__ import annotations

from pathlib import Path

from ecconf.runtime import replies
from ecconf.runtime.admission import Admission, Ticket
from ecconf.runtime.config import ListenAddress, ListenerSpec, ServerConfig, SessionPolicy
from ecconf.runtime.listeners import Slot, plan


def slot(listen: str = "127.0.0.1:25") -> Slot:
    config = ServerConfig("mx.test", Path("spool"), (ListenerSpec(listen, ListenAddress.parse(listen)),))
    [added] = plan(config, {}).added
    return added


def test_listener_sessions_caps_the_listener_and_a_ticket_gives_its_place_back():
    s, admission = slot(), Admission()
    capped = SessionPolicy(listener_sessions=2, max_connections_per_address=0)
    first, second = admission.admit(s, capped, "192.0.2.1"), admission.admit(s, capped, "192.0.2.2")
    assert isinstance(first, Ticket) and isinstance(second, Ticket) and s.active == 2
    assert admission.admit(s, capped, "192.0.2.3") is replies.CONCURRENCY_LIMIT
    first.release()
    first.release()  # once only
    assert s.active == 1
    assert isinstance(admission.admit(s, capped, "192.0.2.3"), Ticket)
    assert isinstance(admission.admit(s, SessionPolicy(max_connections_per_address=0), "192.0.2.4"), Ticket)


def test_a_client_enable_turns_away_is_refused_before_it_is_counted():
    s, admission = slot(), Admission()
    policy = SessionPolicy(enable=False, listener_sessions=1, max_connections_per_address=1)
    assert admission.admit(s, policy, "192.0.2.1") is replies.NO_SERVICE
    assert s.active == 0 and admission.from_address(s.spec.address, "192.0.2.1") == 0
    assert isinstance(admission.admit(s, SessionPolicy(listener_sessions=1), "192.0.2.1"), Ticket)


def test_one_address_gets_its_share_and_an_ipv6_host_its_64():
    s, admission = slot(), Admission()
    policy = SessionPolicy(max_connections_per_address=2)
    held = [admission.admit(s, policy, ip) for ip in ("2001:db8:1:2::1", "2001:db8:1:2:ffff::9")]
    assert all(isinstance(t, Ticket) for t in held)
    assert admission.admit(s, policy, "2001:db8:1:2::77") is replies.TOO_MANY_CONNECTIONS  # the same /64
    assert isinstance(admission.admit(s, policy, "2001:db8:1:3::1"), Ticket)  # the next /64 is another client
    assert isinstance(admission.admit(s, policy, "192.0.2.1"), Ticket)
    assert isinstance(admission.admit(s, policy, "192.0.2.1"), Ticket)
    assert admission.admit(s, policy, "192.0.2.1") is replies.TOO_MANY_CONNECTIONS
    assert isinstance(admission.admit(slot("127.0.0.1:587"), policy, "192.0.2.1"), Ticket)  # per listener
    held[0].release()  # type: ignore[union-attr]
    assert admission.from_address(s.spec.address, "2001:db8:1:2::5") == 1
    assert isinstance(admission.admit(s, policy, "2001:db8:1:2::77"), Ticket)


def test_clients_that_are_not_ip_are_not_counted_per_address():
    s, admission = slot("/tmp/x.sock"), Admission()
    policy = SessionPolicy(max_connections_per_address=1)
    assert all(isinstance(admission.admit(s, policy, None), Ticket) for _ in range(3))


class SharedTally:
    def __init__(self) -> None:
        self.open = 0

    def admit(self, address: ListenAddress, cap: int) -> bool:
        if cap and self.open >= cap:
            return False
        self.open += 1
        return True

    def release(self, address: ListenAddress) -> None:
        self.open -= 1


def test_a_tally_decides_listener_sessions_for_every_process_sharing_it():
    tally = SharedTally()
    one, other = Admission(tally), Admission(tally)  # two workers
    policy = SessionPolicy(listener_sessions=2, max_connections_per_address=0)
    ticket = one.admit(slot(), policy, "192.0.2.1")
    assert isinstance(ticket, Ticket) and isinstance(other.admit(slot(), policy, "192.0.2.2"), Ticket)
    assert one.admit(slot(), policy, "192.0.2.3") is replies.CONCURRENCY_LIMIT
    ticket.release()
    assert tally.open == 1 and isinstance(other.admit(slot(), policy, "192.0.2.3"), Ticket)
