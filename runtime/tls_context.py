"""The TLS contexts of a server: one per (certificate, key, protocols, ciphers), made once and kept.

Rule of this room: the one place that turns a policy's TLS settings into an ssl.SSLContext (part of the
asyncio shell, like server.py, which asks it); which protocol versions a setting allows is tls.py's.
"""

from __future__ import annotations

import ssl

from .config import SessionPolicy
from .tls import allowed_versions

SslCache = dict[tuple[object, ...], ssl.SSLContext]


def tls_context(policy: SessionPolicy, cache: SslCache) -> ssl.SSLContext:
    """The server-side context for this policy's TLS settings, from `cache` or made (and kept) there."""
    key = (policy.tls_certificate, policy.tls_key, policy.tls_protocols, policy.tls_ciphers)
    context = cache.get(key)
    if context is None:
        if policy.tls_certificate is None or policy.tls_key is None:
            raise ssl.SSLError("TLS requested but TLS_Certificate or TLS_Key is not set")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(policy.tls_certificate, policy.tls_key)
        versions = allowed_versions(policy.tls_protocols)
        if versions:
            # tls.VERSIONS spell "TLSv1.2" where ssl.TLSVersion names "TLSv1_2".
            context.minimum_version = ssl.TLSVersion[versions[0].replace(".", "_")]
            context.maximum_version = ssl.TLSVersion[versions[-1].replace(".", "_")]
        if policy.tls_ciphers:
            context.set_ciphers(policy.tls_ciphers)
        cache[key] = context
    return context
