"""What `ecconf serve` says at start-up, once however many workers: the config it serves, where the spool
and the accounting log are written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from serving import serving, write_config

WHERE = re.compile(r"^ecconf: config (\S+); spool (\S+); acctlog (\S+)$")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_start_up_names_the_config_the_spool_and_the_acctlog(tmp_path: Path, workers: str) -> None:
    config = write_config(tmp_path)
    config.write_text(f'ec_logger "acct" {{ acctlog = "{tmp_path / "acct.log"}" }}\n' + config.read_text())
    with serving(config, "--workers", workers, "--loop", "asyncio") as served:
        said = [m for line in served.seen if (m := WHERE.match(line.rstrip()))]
        assert len(said) == 1
        assert said[0].groups() == (str(config), str(tmp_path / "spool"), str(tmp_path / "acct.log"))
        assert served.stop() == 0


def test_no_acctlog_is_said_as_none(tmp_path: Path) -> None:
    with serving(write_config(tmp_path), "--loop", "asyncio") as served:
        assert any(line.rstrip().endswith("; acctlog none") for line in served.seen)
        assert served.stop() == 0
