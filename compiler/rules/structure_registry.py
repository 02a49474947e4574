"""The structure, value and TLS/relay rules (E1xx passthroughs, E2xx, E3xx, S5xx), in code order, for the lead
to splice into the registry in __init__.py.
"""

from __future__ import annotations

from types import ModuleType

from . import (
    bad_cidr,
    cidr_host_bits,
    duplicate_listen,
    duplicate_option,
    include_cycle,
    include_missing,
    include_value,
    invalid_name,
    listen_address,
    open_relay,
    starttls_without_certificate,
    tls_file_missing,
    unknown_name,
    unknown_smtp_extension,
    unreadable_file,
    use_ssl_with_starttls,
    value_type,
    wide_relay_hosts,
    wrong_scope,
)

RULES: tuple[ModuleType, ...] = (
    unreadable_file,  # E101
    include_missing,  # E102
    include_cycle,  # E103
    include_value,  # E104
    unknown_name,  # E201
    wrong_scope,  # E202
    duplicate_option,  # E203
    invalid_name,  # E205
    value_type,  # E301
    listen_address,  # E302
    duplicate_listen,  # E303
    bad_cidr,  # E304
    cidr_host_bits,  # E305
    unknown_smtp_extension,  # E306
    starttls_without_certificate,  # S501
    use_ssl_with_starttls,  # S502
    open_relay,  # S503
    wide_relay_hosts,  # S504
    tls_file_missing,  # S505
)
