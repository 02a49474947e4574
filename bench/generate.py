"""Generate large, realistic Momentum configs plus an nginx and a JSON twin of the same shape.

Rule of this room: one seeded random tree, three renderers. The tree is built once from the seed (so every
run and every format sees the same content); each renderer maps statement to statement, so the three
outputs have the same nesting and (nearly) the same statement count. Nothing here measures anything.

Usage: python -m bench.generate OUT_DIR --listens 1000 [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Values are what an option holds: a scalar (rendered bare or quoted), an array or a dictionary.
Value = str | int | bool | list["Value"] | dict[str, "Value"]

MANIFEST = "corpus.json"  # what generate() wrote, so another process can find it without regenerating
LISTENS_PER_FILE = 100  # how many Listen scopes one included file carries
EXTENSIONS = ("ENHANCEDSTATUSCODES", "PIPELINING", "8BITMIME", "CHUNKING", "XCLIENT")
AUTH_OPTIONS = ("AuthPlainParameters", "AuthLoginParameters", "AuthCramMD5Parameters", "AuthDigestMD5Parameters")
ETC = "/opt/msys/ecelerity/etc"


@dataclass(frozen=True)
class Opt:
    name: str  # as written: the generator varies the case, as real files do
    value: Value
    equals: bool = True  # `=` may be left out before an array or a dictionary
    quoted: bool = True  # for scalars: "x" or x


@dataclass(frozen=True)
class Block:
    name: str
    instance: str | None
    body: tuple[Node, ...]
    one_line: bool = False


@dataclass(frozen=True)
class Note:
    """A comment; `block` selects `/* */` (Momentum) over `#`."""

    text: str
    block: bool = False


@dataclass(frozen=True)
class Inc:
    """An include of a directory of generated files (the Listen chunks)."""

    directory: str


Node = Opt | Block | Note | Inc


@dataclass
class Corpus:
    """Where the three renderings of one tree were written, with their sizes and statement counts."""

    listens: int
    momentum_root: Path
    nginx_root: Path
    json_path: Path
    momentum_files: list[Path] = field(default_factory=list)
    nginx_files: list[Path] = field(default_factory=list)
    momentum_bytes: int = 0
    nginx_bytes: int = 0
    json_bytes: int = 0
    momentum_statements: int = 0
    nginx_statements: int = 0
    json_statements: int = 0


# ---------------------------------------------------------------- the tree


def _case(rng: random.Random, name: str) -> str:
    """Names are case-insensitive; real files mostly keep the documented case, sometimes lower it."""
    return name.lower() if rng.random() < 0.15 else name


def _auth(rng: random.Random, option: str, index: int) -> Opt:
    if option == "AuthDigestMD5Parameters":
        params: dict[str, Value] = {"uri": f"digest://{ETC}/htdigest-{index % 37}", "realm": f"mx{index}.example.net"}
        if rng.random() < 0.3:
            params["stored_cleartext"] = "false"
    else:
        params = {"uri": f"file://{ETC}/passwd-{index % 37}"}
    if rng.random() < 0.5:
        params["log_authentication"] = "true"
    return Opt(_case(rng, option), params, equals=rng.random() < 0.7)


def _address(index: int) -> str:
    if index % 10 == 9:
        return f"[2001:db8:{index // 65536:x}:{index % 65536:x}::1]:587"
    return f"10.{index // 62500 % 250}.{index // 250 % 250}.{index % 250 + 1}:{25 if index % 2 else 587}"


def _peer(rng: random.Random, index: int, number: int) -> Block:
    cidr = f"192.168.{(index * 3 + number) % 256}.{number * 64}/26"
    body: list[Node] = [Opt(_case(rng, "Relay_Hosts"), [cidr, "127.0.0.0/8"], equals=rng.random() < 0.8)]
    if rng.random() < 0.5:
        body.append(Opt(_case(rng, "Open_Relay"), "false", quoted=False))
    if rng.random() < 0.4:
        body.append(Opt(_case(rng, "Max_Recipients_Per_Message"), str(rng.choice((50, 100, 500))), quoted=False))
    if rng.random() < 0.3:
        body.append(Opt(_case(rng, "SMTP_Extensions"), ["ENHANCEDSTATUSCODES", "STARTTLS", "AUTH PLAIN LOGIN"]))
    return Block("Peer", cidr, tuple(body), one_line=len(body) == 1 and rng.random() < 0.5)


def _listen(rng: random.Random, index: int) -> list[Node]:
    extensions = [e for e in EXTENSIONS if rng.random() < 0.7] + ["STARTTLS", "AUTH PLAIN LOGIN CRAM-MD5 DIGEST-MD5"]
    body: list[Node] = [
        Opt(_case(rng, "Enable"), rng.choice(("true", "yes", "on")), quoted=rng.random() < 0.5),
        Opt(_case(rng, "SMTP_Extensions"), extensions),
    ]
    if rng.random() < 0.3:
        body.append(Note(f"relaying for the office network of tenant {index}", block=True))
    if rng.random() < 0.6:  # the others use the listener-wide dictionaries
        body += [_auth(rng, option, index) for option in AUTH_OPTIONS]
    body.append(Opt(_case(rng, "Relay_Hosts"), ["127.0.0.0/8", f"10.{index % 250}.0.0/16"]))
    body.append(Opt(_case(rng, "Max_Message_Size"), str(rng.choice((10485760, 26214400, 52428800))), quoted=False))
    body.append(Opt(_case(rng, "Idle_Time"), str(rng.choice((60, 120, 300))), quoted=rng.random() < 0.3))
    if rng.random() < 0.5:
        body.append(Opt(_case(rng, "Listener_Sessions"), str(rng.choice((100, 500, 1000))), quoted=False))
    body.append(Opt(_case(rng, "Banner_Hostname"), f"mx{index}.example.net"))
    body += [_peer(rng, index, n) for n in range(rng.randint(1, 3))]
    notes: list[Node] = [Note(f"listener {index}: submission for tenant {index % 97}")]
    return [*notes, Block("Listen", _address(index), tuple(body))]


def build_tree(listens: int, seed: int = 7) -> tuple[list[Node], list[list[Node]]]:
    """The root file's statements and the included chunks (LISTENS_PER_FILE Listen scopes each)."""
    rng = random.Random(seed)
    chunks: list[list[Node]] = []
    for start in range(0, listens, LISTENS_PER_FILE):
        chunk: list[Node] = [Note(f"generated listeners {start} to {min(start + LISTENS_PER_FILE, listens) - 1}")]
        for index in range(start, min(start + LISTENS_PER_FILE, listens)):
            chunk += _listen(rng, index)
        chunks.append(chunk)
    listener: list[Node] = [
        Opt("SMTP_Extensions", ["ENHANCEDSTATUSCODES", "PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"]),
        *[_auth(rng, option, 0) for option in AUTH_OPTIONS],
        Opt("Idle_Time", "120", quoted=False),
        Opt("TLS_Certificate", f"{ETC}/tls/mail.example.net.crt"),
        Opt("TLS_Key", f"{ETC}/tls/mail.example.net.key"),
        Note("loopback may always relay", block=True),
        Block("Peer", "127.0.0.0/8", (Opt("Open_Relay", "true", quoted=False),)),
        Inc("listeners.d"),
    ]
    root: list[Node] = [
        Note("Momentum configuration generated for ecconf's benchmarks"),
        Opt("Hostname", "mail.example.net"),
        Opt("Spool_Base", "/var/spool/ecelerity"),
        Block("ec_logger", "accounting", (Opt("acctlog", "/var/log/ecelerity/acct.log"),)),
        Block("ESMTP_Listener", None, tuple(listener)),
    ]
    return root, chunks


# ---------------------------------------------------------------- Momentum text


def _m_value(value: Value, quoted: bool = True) -> str:
    if isinstance(value, list):
        return "( " + " ".join(_m_value(v) for v in value) + " )"
    if isinstance(value, dict):
        return "[ " + " ".join(f"{k} = {_m_value(v)}" for k, v in value.items()) + " ]"
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"' if quoted else text


def _m_lines(nodes: list[Node] | tuple[Node, ...], depth: int, chunk_dir: str) -> list[str]:
    pad = "  " * depth
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Note):
            out.append(f"{pad}/* {node.text} */" if node.block else f"{pad}# {node.text}")
        elif isinstance(node, Inc):
            out.append(f'{pad}include "{chunk_dir}"')
        elif isinstance(node, Opt):
            sep = " = " if node.equals or not isinstance(node.value, list | dict) else " "
            out.append(f"{pad}{node.name}{sep}{_m_value(node.value, node.quoted)}")
        else:
            head = node.name + (f' "{node.instance}"' if node.instance is not None else "")
            if node.one_line:
                out.append(f"{pad}{head} {{ {' '.join(line.strip() for line in _m_lines(node.body, 0, chunk_dir))} }}")
            else:
                out += [f"{pad}{head} {{", *_m_lines(node.body, depth + 1, chunk_dir), f"{pad}}}"]
    return out


# ---------------------------------------------------------------- nginx text

# Momentum scope -> (nginx block, what becomes of the instance: "listen" directive, block argument, or dropped).
NGINX_BLOCKS = {"esmtp_listener": ("http", None), "listen": ("server", "listen"), "peer": ("location", "arg")}
NGINX_BLOCKS["ec_logger"] = ("events", None)
# A listener-wide Peer cannot be a `location` directly in `http`: it becomes a server of its own.
NGINX_TOP_PEER = ("server", "listen")
# Momentum option -> a real nginx directive valid in the same nesting with a compatible argument count, so
# crossplane's analyzer does its full context and argument checks on every statement.
NGINX_DIRECTIVES = {
    "hostname": "env",
    "spool_base": "working_directory",
    "acctlog": "worker_connections",
    "enable": "ssi",
    "smtp_extensions": "index",
    "authplainparameters": "gzip_types",
    "authloginparameters": "ssi_types",
    "authcrammd5parameters": "sub_filter_types",
    "authdigestmd5parameters": "charset_types",
    "relay_hosts": "addition_types",
    "max_message_size": "client_max_body_size",
    "idle_time": "keepalive_timeout",
    "listener_sessions": "keepalive_requests",
    "open_relay": "autoindex",
    "max_recipients_per_message": "sendfile_max_chunk",
    "banner_hostname": "server_name",
    "tls_certificate": "ssl_certificate",
    "tls_key": "ssl_certificate_key",
}
_FLAGS = {"true": "on", "yes": "on", "on": "on", "false": "off", "no": "off", "off": "off"}


def _n_arg(text: str) -> str:
    return text if text and all(c not in text for c in " \t;{}#\"'") else '"' + text.replace('"', '\\"') + '"'


def _n_args(name: str, value: Value) -> list[str]:
    if isinstance(value, list):
        return [_n_arg(str(v)) for v in value]
    if isinstance(value, dict):
        return [_n_arg(f"{k}={v}") for k, v in value.items()]
    if name in ("enable", "open_relay"):
        return [_FLAGS[str(value).lower()]]
    return [_n_arg(str(value))]


def _n_block(name: str, parent: str) -> tuple[str, str | None]:
    return NGINX_TOP_PEER if (name, parent) == ("peer", "esmtp_listener") else NGINX_BLOCKS[name]


def _n_lines(nodes: list[Node] | tuple[Node, ...], depth: int, chunk_dir: str, parent: str = "") -> list[str]:
    pad = "    " * depth
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Note):
            out.append(f"{pad}# {node.text}")
        elif isinstance(node, Inc):
            out.append(f"{pad}include {chunk_dir}/*.conf;")
        elif isinstance(node, Opt):
            key = node.name.lower()
            out.append(f"{pad}{NGINX_DIRECTIVES[key]} {' '.join(_n_args(key, node.value))};")
        else:
            block, instance_as = _n_block(node.name.lower(), parent)
            head = f"{block} {_n_arg(node.instance)}" if instance_as == "arg" and node.instance else block
            inner = _n_lines(node.body, depth + 1, chunk_dir, node.name.lower())
            if instance_as == "listen" and node.instance:
                inner.insert(0, f"{pad}    listen {_n_arg(node.instance)};")
            out += [f"{pad}{head} {{", *inner, f"{pad}}}"]
    return out


# ---------------------------------------------------------------- JSON


def _j_body(nodes: list[Node] | tuple[Node, ...], chunks: list[list[Node]]) -> dict[str, Value]:
    """Options become keys; named scopes group by instance (`"listen": {"10.0.0.1:25": {...}}`)."""
    out: dict[str, Value] = {}
    for node in nodes:
        if isinstance(node, Opt):
            out[node.name.lower()] = node.value
        elif isinstance(node, Inc):
            for chunk in chunks:
                for key, value in _j_body(chunk, []).items():
                    merged = out.setdefault(key, {})
                    assert isinstance(merged, dict) and isinstance(value, dict)
                    merged.update(value)
        elif isinstance(node, Block):
            body = _j_body(node.body, chunks)
            if node.instance is None:
                out[node.name.lower()] = body
            else:
                group = out.setdefault(node.name.lower(), {})
                assert isinstance(group, dict)
                group[node.instance] = body
    return out


def _count(
    nodes: list[Node] | tuple[Node, ...], chunks: list[list[Node]], nginx: bool = False, parent: str = ""
) -> int:
    total = 0
    for node in nodes:
        if isinstance(node, Opt):
            total += 1
        elif isinstance(node, Inc):
            total += 1 + sum(_count(chunk, [], nginx, parent) for chunk in chunks)
        elif isinstance(node, Block):
            name = node.name.lower()
            extra = 1 if nginx and _n_block(name, parent)[1] == "listen" else 0
            total += 1 + extra + _count(node.body, chunks, nginx, name)
    return total


# ---------------------------------------------------------------- writing


def _write(path: Path, lines: list[str]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(data)
    return len(data)


def generate(out_dir: Path, listens: int, seed: int = 7) -> Corpus:
    """Write OUT/momentum/ecelerity.conf (+ listeners.d/), OUT/nginx/nginx.conf (+ servers.d/), OUT/config.json."""
    root, chunks = build_tree(listens, seed)
    corpus = Corpus(listens, out_dir / "momentum" / "ecelerity.conf", out_dir / "nginx" / "nginx.conf",
                    out_dir / "config.json")  # fmt: skip
    corpus.momentum_bytes += _write(corpus.momentum_root, _m_lines(root, 0, "listeners.d"))
    corpus.nginx_bytes += _write(corpus.nginx_root, _n_lines(root, 0, "servers.d"))
    corpus.momentum_files.append(corpus.momentum_root)
    corpus.nginx_files.append(corpus.nginx_root)
    for number, chunk in enumerate(chunks):
        m_path = out_dir / "momentum" / "listeners.d" / f"listeners-{number:04d}.conf"
        n_path = out_dir / "nginx" / "servers.d" / f"servers-{number:04d}.conf"
        # The chunks sit inside ESMTP_Listener / http, one level down.
        corpus.momentum_bytes += _write(m_path, _m_lines(chunk, 0, ""))
        corpus.nginx_bytes += _write(n_path, _n_lines(chunk, 0, "", "esmtp_listener"))
        corpus.momentum_files.append(m_path)
        corpus.nginx_files.append(n_path)
    document = json.dumps(_j_body(root, chunks), indent=1)
    corpus.json_bytes = _write(corpus.json_path, [document])
    corpus.momentum_statements = _count(root, chunks)
    corpus.nginx_statements = _count(root, chunks, nginx=True)
    corpus.json_statements = corpus.momentum_statements
    manifest = {k: [str(p) for p in v] if isinstance(v, list) else v for k, v in asdict(corpus).items()}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, default=str, indent=1), encoding="utf-8")
    return corpus


def load_corpus(out_dir: Path) -> Corpus:
    """The Corpus that generate() wrote to OUT_DIR."""
    data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    for key in ("momentum_root", "nginx_root", "json_path"):
        data[key] = Path(data[key])
    for key in ("momentum_files", "nginx_files"):
        data[key] = [Path(p) for p in data[key]]
    return Corpus(**data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--listens", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    corpus = generate(args.out_dir, args.listens, args.seed)
    print(f"{corpus.momentum_root}: {corpus.momentum_bytes} bytes, {corpus.momentum_statements} statements")
    print(f"{corpus.nginx_root}: {corpus.nginx_bytes} bytes, {corpus.nginx_statements} statements")
    print(f"{corpus.json_path}: {corpus.json_bytes} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
