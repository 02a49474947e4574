"""The authentication rules (A4xx), in code order, for the lead to splice into the registry in __init__.py.

auth_offers.py beside them is a shared helper, not a rule.
"""

from __future__ import annotations

from types import ModuleType

from . import (
    auth_bypassed_by_relay,
    auth_cleartext_file_world_readable,
    auth_cleartext_without_tls,
    auth_digest_realm_mismatch,
    auth_legacy_extension,
    auth_log_without_acctlog,
    auth_mechanism_without_parameters,
    auth_missing_uri,
    auth_parameters_not_advertised,
    auth_password_file,
    auth_scram_extension,
    auth_unknown_key,
    auth_unsupported,
    auth_uri_cannot_serve,
)

RULES: tuple[ModuleType, ...] = (
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
)
