"""`ecconf eval`: the effective options for one Listen and client, then what serve will do (ecconf/evaluate.py).

Rule of this room: arguments and printing only. Like `postconf -n` and `doveconf -n`, `--non-default` leaves
out what nobody set. A config with errors is refused as `ecconf json` refuses it.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from .exits import EXIT_OK, EXIT_USAGE, Subparsers, say_error


def add_eval(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "eval",
        parents=[common],
        help="the effective options for one Listen and client, and what serve will do",
        description="Every option's effective value for clients at --client of --listen, with the scope and "
        "file:line that set it, then the EHLO, AUTH mechanisms, relaying, TLS and limits ecconf serve applies.",
    )
    p.add_argument("file", metavar="CONFIG", help="a config file or its JSON form")
    p.add_argument("options", nargs="*", metavar="OPTION", help="only these options (any spelling)")
    p.add_argument("--listen", metavar="ADDR", help="the Listen, as written in the config (default: the first)")
    p.add_argument("--client", metavar="IP", default="192.0.2.1", help="the client's address (default 192.0.2.1)")
    p.add_argument("--non-default", action="store_true", help="only options some scope sets")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--no-file-checks", action="store_true", help="do not read files the config names")
    p.set_defaults(func=cmd_eval, trailing_names="options")


def _shown(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, list):
        return "( " + " ".join(_shown(v) for v in value) + " )"
    if isinstance(value, dict):
        return "[ " + " ".join(f"{k} = {_shown(v)}" for k, v in value.items()) + " ]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, str) else str(value)


def cmd_eval(args: argparse.Namespace) -> int:
    from .cli import checked_config
    from .evaluate import EvalError, evaluate

    config, status = checked_config(args)
    if config is None:
        return status
    try:
        found = evaluate(config, args.listen, args.client, tuple(args.options))
    except EvalError as exc:
        say_error(str(exc))
        return EXIT_USAGE
    if args.non_default:
        found.settings = [s for s in found.settings if s.level != "default"]
    if args.format == "json":
        print(json.dumps(asdict(found), indent=2, sort_keys=False))
        return EXIT_OK
    out = [f"# Listen {found.listen!r}, client {found.client} ({found.client_class})"]
    width = max((len(s.name) for s in found.settings), default=0)
    out += [
        f"{s.name:<{width}} = {_shown(s.value)}  # {s.where}" + ("" if s.level == "default" else f" ({s.level})")
        for s in found.settings
    ]
    out.append("")
    out.append(f"# ecconf serve, for this client: relaying {found.relay}")
    for state, words in found.ehlo.items():
        out.append(f"# EHLO {'before TLS' if state == 'plain' else 'under TLS'}: {' '.join(words) or '(nothing)'}")
    for state, mechs in found.mechanisms.items():
        where = "before TLS" if state == "plain" else "under TLS"
        stores = ", ".join(f"{m} ({found.stores.get(m, '')})" for m in mechs)
        out.append(f"# AUTH usable {where}: {stores or '(none)'}")
    if found.tls:
        out.append("# TLS: " + ", ".join(f"{k}={_shown(v)}" for k, v in found.tls.items()))
    if found.limits:
        out.append("# limits: " + ", ".join(f"{k}={_shown(v)}" for k, v in found.limits.items()))
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_OK
