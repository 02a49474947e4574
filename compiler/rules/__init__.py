"""The explicit registry of rules: every rule module is listed here, once, in code order.

tests/compiler/test_registry.py checks that every rule module in this folder is registered, that codes are
unique and well formed, and that each docstring carries a Bad and a Good example that behave as documented.
Code families: E1xx reading and syntax, E2xx names and scopes, E3xx values, A4xx authentication,
S5xx TLS and relaying.
"""

from __future__ import annotations

from . import (
    auth_bypassed_by_relay,
    auth_cleartext_file_world_readable,
    auth_cleartext_without_tls,
    auth_digest_realm_mismatch,
    auth_ds_datasource,
    auth_ds_password_readable,
    auth_ds_stanza,
    auth_ds_unknown_key,
    auth_ds_unknown_scheme,
    auth_ds_unused_map,
    auth_legacy_extension,
    auth_log_without_acctlog,
    auth_mechanism_without_parameters,
    auth_missing_uri,
    auth_parameters_not_advertised,
    auth_password_file,
    auth_require_tls_without_tls,
    auth_scram_extension,
    auth_unknown_key,
    auth_unsupported,
    auth_uri_cannot_serve,
    bad_cidr,
    cidr_host_bits,
    duplicate_listen,
    duplicate_option,
    ecconf_option,
    include_cycle,
    include_missing,
    include_value,
    invalid_name,
    json_invalid,
    json_schema,
    listen_address,
    open_relay,
    proxy_protocol_public,
    starttls_without_certificate,
    syntax_error,
    tls_file_missing,
    typographic_quote,
    unknown_name,
    unknown_smtp_extension,
    unreadable_file,
    unserved_guarded,
    use_ssl_with_starttls,
    value_type,
    wide_relay_hosts,
    wrong_scope,
)
from .base import RuleModule

ALL: tuple[RuleModule, ...] = (
    syntax_error,  # E100
    unreadable_file,  # E101
    include_missing,  # E102
    include_cycle,  # E103
    include_value,  # E104
    typographic_quote,  # E105
    json_invalid,  # E110
    json_schema,  # E111
    unknown_name,  # E201
    wrong_scope,  # E202
    duplicate_option,  # E203
    invalid_name,  # E205
    ecconf_option,  # E206
    value_type,  # E301
    listen_address,  # E302
    duplicate_listen,  # E303
    bad_cidr,  # E304
    cidr_host_bits,  # E305
    unknown_smtp_extension,  # E306
    auth_mechanism_without_parameters,  # A401
    auth_parameters_not_advertised,  # A402
    auth_missing_uri,  # A403
    auth_uri_cannot_serve,  # A404
    auth_unknown_key,  # A405
    auth_password_file,  # A406
    auth_digest_realm_mismatch,  # A407
    auth_unsupported,  # A408
    auth_legacy_extension,  # A409
    auth_log_without_acctlog,  # A410
    auth_scram_extension,  # A411
    auth_cleartext_file_world_readable,  # A412
    auth_cleartext_without_tls,  # A413
    auth_bypassed_by_relay,  # A414
    auth_require_tls_without_tls,  # A415
    auth_ds_unknown_scheme,  # A416
    auth_ds_stanza,  # A417
    auth_ds_datasource,  # A418
    auth_ds_unused_map,  # A419
    auth_ds_password_readable,  # A420
    auth_ds_unknown_key,  # A421
    starttls_without_certificate,  # S501
    use_ssl_with_starttls,  # S502
    open_relay,  # S503
    wide_relay_hosts,  # S504
    tls_file_missing,  # S505
    proxy_protocol_public,  # S506
    unserved_guarded,  # S507
)

RULES: dict[str, RuleModule] = {rule.CODE: rule for rule in ALL}


def get(code: str) -> RuleModule:
    return RULES[code.upper()]
