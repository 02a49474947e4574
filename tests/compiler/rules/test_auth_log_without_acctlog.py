import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_auth_docs import lint, places

from ecconf.compiler.rules import auth_log_without_acctlog as rule

LISTENER = """
ESMTP_Listener {
  AuthPlainParameters = [ uri = "file:p" log_authentication = "yes" ]
  Listen ":25" { AuthLoginParameters = [ uri = "file:p" log_authentication = false ] }
}
"""


def test_logging_without_any_logger_points_at_the_setting(tmp_path: Path) -> None:
    found = lint(rule, LISTENER, tmp_path / "a.conf")
    assert places(found) == [(2, 42)]


def test_logger_without_acctlog_does_not_count(tmp_path: Path) -> None:
    text = 'ec_logger "default" { mainlog = "/var/log/mainlog" }\n' + LISTENER
    assert places(lint(rule, text, tmp_path / "a.conf")) == [(4, 42)]


def test_any_logger_with_acctlog_is_enough(tmp_path: Path) -> None:
    text = 'ec_logger "a" { }\nec_logger "b" { acctlog = "/var/log/acct" }\n' + LISTENER
    assert lint(rule, text, tmp_path / "a.conf") == []


def test_logger_in_an_include(tmp_path: Path) -> None:
    (tmp_path / "logging.conf").write_text('ec_logger { acctlog = "/var/log/acct" }\n')
    assert lint(rule, 'include "logging.conf"\n' + LISTENER, tmp_path / "a.conf") == []
