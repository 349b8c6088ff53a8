"""Where a release may come from: confined file locations, allowlisted HTTP hosts, and redaction.

The rules, in one place for `planwatch sources check` and the pipeline:

- A file location is relative to the data root. No absolute path, no `..`, no `file://`. The path is
  resolved (symlinks followed) and must stay inside the data root; the file is then opened with
  O_NOFOLLOW, so a final component swapped for a symlink after the check is refused, not followed.
- A URL is http or https, its host is on the deployment's allowlist (PLANWATCH_HTTP_ALLOWLIST,
  comma-separated; `*.example.gov.cn` matches subdomains), it carries no userinfo and no token-like
  query parameter (credentials come from `credentials:`, the environment or an Airflow connection).
- After DNS resolution, link-local and cloud-metadata addresses are refused always, and loopback unless the
  allowlist names that loopback address itself. fetch.py checks the address it actually connects to.
- Every location shown to a person or stored (manifest, raw.releases, logs, XCom, errors) goes through
  `redact` first.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
import socket
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qsl, unquote_plus, urlsplit, urlunsplit

from ingest.errors import FetchError, RegistryError
from ingest.registry import Source

ALLOWLIST_ENV = "PLANWATCH_HTTP_ALLOWLIST"
HTTP_SCHEMES = ("http", "https")
REDACTED = "***"

# Instance metadata services: AWS/GCP/Azure/OpenStack (169.254.169.254), AWS over IPv6 (fd00:ec2::254),
# AWS ECS task metadata (169.254.170.2), Alibaba Cloud (100.100.100.200), Oracle Cloud (192.0.0.192).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200", "192.0.0.192")
)

# query parameter names that carry secrets: token, access_token, api_key, appKey, signature, X-Amz-*, ...
_SECRET_PARAM = re.compile(
    r"(token|secret|passw(or)?d|pwd|api[-_]?key|app[-_]?key|access[-_]?key|^key$|sig(nature)?$|"
    r"credential|auth|session|^x-amz-|^x-goog-)",
    re.IGNORECASE,
)

Resolver = Callable[[str, int], list[str]]


class LocationRefused(FetchError):
    """A location outside the rules: a path leaving the data root, a symlink out, a host not allowed.

    Not retryable: the same location is refused again until a person fixes it.
    """


class ReleaseTooLarge(FetchError):
    """A release over the source's size limit: refused before it is parsed, and not retried."""


@dataclass(frozen=True)
class HostAllowlist:
    """The HTTP hosts this deployment may fetch from. Empty: no HTTP source at all."""

    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> HostAllowlist:
        return cls(frozenset(h.strip().lower().rstrip(".") for h in text.split(",") if h.strip()))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HostAllowlist:
        return cls.parse((environ if environ is not None else os.environ).get(ALLOWLIST_ENV, ""))

    def allows_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(
            host == h or (h.startswith("*.") and host.endswith(h[1:]) and len(host) > len(h) - 1)
            for h in self.hosts
        )

    def allows_loopback(self, address: str) -> bool:
        """Loopback only when the allowlist names that address (127.0.0.1, ::1) or `localhost`."""
        return address in self.hosts or "localhost" in self.hosts


def address_problem(address: str, allowlist: HostAllowlist) -> str | None:
    """Why an address a host resolved to may not be contacted, or None when it may."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return f"{ip} is a cloud metadata address"
    if ip.is_link_local:
        return f"{ip} is a link-local address"
    if ip.is_unspecified or ip.is_multicast:
        return f"{ip} is not a host address"
    if ip.is_loopback and not allowlist.allows_loopback(str(ip)):
        return f"{ip} is a loopback address and the allowlist does not name it"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def redact(location: str) -> str:
    """The location as it may be shown or stored: userinfo and secret query values replaced by ***."""
    if "://" not in location:
        return location
    try:
        parts = urlsplit(location)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
        query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return f"{location.split('://', 1)[0]}://{REDACTED} (unparseable URL)"


def _redact_pair(pair: str) -> str:
    key, sep, _ = pair.partition("=")
    return f"{key}={REDACTED}" if sep and _SECRET_PARAM.search(unquote_plus(key)) else pair


def display_name(location: str) -> str:
    """The file name a person sees for a location: the last path segment, never a query string."""
    path = urlsplit(location).path if "://" in location else location
    return PurePosixPath(path).name or "release"


def render_location(source: Source, year: int, month: int) -> str:
    """The source's location for one period; a template a run cannot fill is a configuration error."""
    try:
        return source.location_for(year, month)
    except KeyError as exc:
        raise RegistryError(
            f"source {source.id}: field location: unknown placeholder {{{exc.args[0]}}} in "
            f"{redact(source.location)!r}"
        ) from exc
    except (IndexError, ValueError, AttributeError) as exc:
        raise RegistryError(
            f"source {source.id}: field location: template {redact(source.location)!r} cannot be "
            f"filled for {year}-{month:02d}: {exc}"
        ) from exc


def request_problem(url: str, allowlist: HostAllowlist) -> str | None:
    """Scheme and host of one request, redirects included (a redirect may carry a signed query)."""
    parts = urlsplit(url)
    if parts.scheme not in HTTP_SCHEMES:
        return f"{redact(url)}: scheme {parts.scheme!r} is not allowed (http or https only)"
    if not allowlist.allows_host(parts.hostname or ""):
        return f"{redact(url)}: host {parts.hostname!r} is not on the allowlist {ALLOWLIST_ENV}"
    return None


def url_problems(url: str, allowlist: HostAllowlist, resolver: Resolver | None = None) -> list[str]:
    """Problems of one URL. With a resolver, the addresses its host resolves to are checked too."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        return [f"{redact(url)}: not a valid URL ({exc})"]
    shown = redact(url)
    if parts.scheme not in HTTP_SCHEMES:
        return [f"{shown}: scheme {parts.scheme!r} is not allowed (http or https only)"]
    problems = []
    if _WILDCARD.search(parts.path):
        problems.append(f"{shown}: a wildcard names a drop folder, which only a file location can be")
    if parts.username is not None or parts.password is not None:
        problems.append(f"{shown}: credentials in the URL; use `credentials:` (env or airflow_conn_id)")
    secret = [k for k, _ in parse_qsl(parts.query, keep_blank_values=True) if _SECRET_PARAM.search(k)]
    if secret:
        problems.append(f"{shown}: secret-like query parameter {', '.join(secret)}; use `credentials:`")
    host = parts.hostname or ""
    if not allowlist.allows_host(host):
        allowed = ", ".join(sorted(allowlist.hosts)) or "none"
        problems.append(f"{shown}: host {host!r} is not on the allowlist {ALLOWLIST_ENV} ({allowed})")
        return problems
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = []
        if resolver is not None:
            try:
                addresses = resolver(host, port)
            except OSError:
                addresses = []  # unresolvable now: the fetch checks again when it connects
    problems += [f"{shown}: {p}" for a in addresses if (p := address_problem(a, allowlist))]
    return problems


_WILDCARD = re.compile(r"[*?\[]")


def is_pattern(location: str) -> bool:
    """A file location whose file name is a wildcard pattern (`returns/{year}-{month:02d}/*.xlsx`): a drop
    folder, where every matching file is a release of the period (one file per bureau, for example)."""
    return "://" not in location and bool(_WILDCARD.search(PurePosixPath(location).name))


def expand_location(location: str, data_root: Path) -> list[str]:
    """The files a drop-folder pattern matches now, as locations, sorted by name; none when the folder is
    not there. Hidden and temporary files are left out; each file is confined again when it is read."""
    pure = PurePosixPath(location.replace("\\", "/"))
    folder = confined_path(str(pure.parent), data_root)
    if not folder.is_dir():
        return []
    names = sorted(
        p.name
        for p in folder.iterdir()
        if fnmatch.fnmatchcase(p.name, pure.name) and not p.name.startswith((".", "~$"))
    )
    return [str(pure.parent / name) if str(pure.parent) != "." else name for name in names]


def path_problems(location: str, data_root: Path) -> list[str]:
    """Problems of a file location relative to the data root, as written and as it resolves now."""
    if location.lower().startswith("file:"):
        return [f"{location}: file:// locations are not allowed; give a path relative to the data root"]
    if "://" in location:
        scheme = location.split("://", 1)[0]
        return [f"{redact(location)}: scheme {scheme!r} is not allowed (http or https only)"]
    pure = PurePosixPath(location.replace("\\", "/"))
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", location):
        return [f"{location}: an absolute path; give a path relative to the data root"]
    if ".." in pure.parts:
        return [f"{location}: '..' leaves the data root"]
    if any(_WILDCARD.search(part) for part in pure.parts[:-1]):
        return [f"{location}: a wildcard may stand in the file name only (a drop folder), not in a folder"]
    try:
        confined_path(location, data_root)
    except LocationRefused as exc:
        return [str(exc)]
    return []


def check_location(
    source: Source,
    data_root: Path,
    allowlist: HostAllowlist | None = None,
    *,
    resolver: Resolver | None = system_resolver,
) -> list[str]:
    """Every problem of a source's location template, as one line each; an empty list is a pass.

    For `planwatch sources check` (with DNS resolution) and for the pipeline before it fetches anything
    (resolver=None: the fetch checks the address it connects to). The template is filled for the
    source's first period, so an unknown placeholder is found here and not in the middle of a night.
    """
    allowlist = allowlist if allowlist is not None else HostAllowlist.from_env()
    year, month = (int(x) for x in source.release.first_period.split("-"))
    try:
        location = render_location(source, year, month)
    except RegistryError as exc:
        return [str(exc)]
    if location.startswith(tuple(f"{s}://" for s in HTTP_SCHEMES)):
        problems = url_problems(location, allowlist, resolver)
    else:
        problems = path_problems(location, data_root)
    return [f"source {source.id}: field location: {p}" for p in problems]


def confined_path(location: str, data_root: Path) -> Path:
    """The file a relative location names, resolved; refused if it (or a symlink on the way) leaves
    the data root."""
    root = data_root.resolve()
    pure = PurePosixPath(location.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or location.lower().startswith("file:"):
        raise LocationRefused(f"{location}: not a path inside the data root")
    resolved = (root / pure).resolve()
    if not resolved.is_relative_to(root):
        raise LocationRefused(f"{location}: resolves outside the data root (a symlink leads out)")
    return resolved


def read_confined(location: str, data_root: Path, max_bytes: int) -> bytes:
    """The bytes of a file location, read without following a final symlink and only from a regular
    file of at most max_bytes. Raises FileNotFoundError when there is no such file (not published yet)."""
    path = confined_path(location, data_root)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except PermissionError as exc:
        raise LocationRefused(f"{location}: cannot be read (permission denied)") from exc
    except OSError as exc:  # ELOOP: the last component became a symlink after the check
        raise LocationRefused(f"{location}: cannot be opened safely ({exc.strerror})") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LocationRefused(f"{location}: not a regular file")
        raise ReleaseTooLarge(f"{location}: {info.st_size} bytes, over the limit of {max_bytes}")
    with os.fdopen(fd, "rb") as fh:
        content = fh.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise ReleaseTooLarge(f"{location}: grew past the limit of {max_bytes} bytes while being read")
    return content
