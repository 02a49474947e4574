"""`Enable = false` in a Peer scope: `ecconf serve` turns those clients away with 554 at connect time (RFC 5321
§3.1), as lint reads the option (no session is served to them), while other clients of the Listen are served."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest
from serving import serving, write_config

from ecconf.compiler.diagnostics import Severity
from ecconf.pipeline import lint_paths


def test_a_peer_that_enable_turns_away_gets_554_and_the_others_are_served(tmp_path: Path) -> None:
    config = write_config(tmp_path, listen_options='Peer "127.0.0.2/32" { Enable = false }')
    assert not [d for d in lint_paths([str(config)]).diagnostics if d.severity is Severity.ERROR]
    with serving(config) as served:
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP(served.host, served.port, source_address=("127.0.0.2", 0), timeout=10)
        assert refused.value.smtp_code == 554 and b"5.7.1" in refused.value.smtp_error
        with smtplib.SMTP(served.host, served.port, source_address=("127.0.0.1", 0), timeout=10) as smtp:
            code, _ = smtp.ehlo("client.example")
            assert code == 250
