"""DATABASE_URL with one host or several (libpq's multi-host form), as Django's DATABASES entry.

    postgresql://USER@H1:P1,H2:P2,H3:P3/DB?target_session_attrs=read-write

libpq tries the hosts in order and keeps the first that answers and matches target_session_attrs, so after a
failover the application reaches the new primary without a change of configuration (docs/operations.md, "Database
failover: what the application does"). Django passes HOST and PORT to psycopg 3 as they are, and libpq takes comma
lists in both: the entry gets HOST="H1,H2,H3" and PORT="P1,P2,P3" (a host written without a port gets 5432). The
query's options (target_session_attrs, sslmode, connect_timeout, …) go to OPTIONS, as for one host.

A URL with one host is parsed exactly as before, by the parser given (dj_database_url.parse: this module imports
nothing of Django's). A bad URL is refused with a DatabaseUrlError naming what is wrong, never its password.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote, urlencode

POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "pgsql", "postgis", "timescale", "timescalegis"})
DEFAULT_PORT = "5432"
_HOST = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.%\w]+)\]|(?P<name>[^\[\]:/?#@\s]+))(?::(?P<port>[^:]*))?$")


class DatabaseUrlError(ValueError):
    """DATABASE_URL (or another database URL) cannot be used; the message says why."""


def redacted(url: str) -> str:
    """`url` with its password replaced by ***, to be named in a message."""
    return re.sub(r"^([a-z0-9+.-]+://[^:/@]*):[^@/]*@", r"\1:***@", url, flags=re.IGNORECASE)


def _port(value: str, host: str, url: str) -> str:
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 65536:
        raise DatabaseUrlError(f"{redacted(url)}: the port {value!r} of host {host} is not a port number (1-65535)")
    return str(int(value))


def _split(url: str) -> tuple[str, str, str, str]:
    """scheme, user information with its "@", the host list, and the rest (path, query, fragment)."""
    scheme, _, rest = url.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, listed = authority.rpartition("@")
    return scheme.lower(), userinfo + at, listed, rest[len(authority):]


def hosts(url: str) -> list[tuple[str, str]]:
    """The (host, port) pairs of the URL's host list, in order; port "" where none is written."""
    listed = _split(url)[2]
    parts = listed.split(",")
    found = []
    for number, part in enumerate(parts, 1):
        if not part:
            raise DatabaseUrlError(f"{redacted(url)}: host {number} of {len(parts)} in the host list is empty")
        match = _HOST.match(part)
        if match is None:
            raise DatabaseUrlError(f"{redacted(url)}: {part!r} (host {number} of {len(parts)}) is not host, host:port "
                                   f"or [IPv6 address]:port")
        host = match["v6"] or match["name"]
        port = match["port"]
        found.append((host, _port(port, host, url) if port else ""))
    return found


def _parsed(url: str, parse_one: Callable[..., dict], options: dict) -> dict:
    try:
        return parse_one(url, **options)
    except Exception as error:  # noqa: BLE001 — it raises several kinds (ValueError, its own ParseError, KeyError)
        raise DatabaseUrlError(f"{redacted(url)} is not a usable database URL: {error}") from None


def parse(url: str, parse_one: Callable[..., dict], **options) -> dict:
    """Django's DATABASES entry for `url`; `parse_one(url, **options)` parses a URL with one host
    (dj_database_url.parse). Raises DatabaseUrlError."""
    url = url.strip()
    if "://" not in url:
        raise DatabaseUrlError(f"{redacted(url)!r} is not a database URL: it has no scheme (postgresql://…, sqlite://…)")
    scheme, userinfo, listed, rest = _split(url)
    if listed:
        found = hosts(url)  # a clear message for a bad port or an empty host, whatever the number of hosts
    if "," not in listed:  # one host (or none: SQLite, a PostgreSQL socket): as dj_database_url always parsed it
        return _parsed(url, parse_one, options)
    if scheme not in POSTGRES_SCHEMES:
        raise DatabaseUrlError(f"{redacted(url)}: a list of hosts (separated by commas) is for PostgreSQL only, not "
                               f"{scheme}://")
    config = _parsed(f"{scheme}://{userinfo}placeholder.invalid{rest}", parse_one, options)
    config["HOST"] = ",".join(host for host, _ in found)
    config["PORT"] = ",".join(port or DEFAULT_PORT for _, port in found)
    return config


# The OPTIONS that are libpq connection parameters (Django's own, such as isolation_level or pool, are not): passed on
# when a client tool or a process of its own connects to the configured database (backups, verify's workers).
LIBPQ_OPTIONS = frozenset({
    "target_session_attrs", "load_balance_hosts", "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl",
    "sslpassword", "sslnegotiation", "requiressl", "channel_binding", "gssencmode", "krbsrvname", "connect_timeout",
    "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "application_name",
    "options", "passfile", "service", "require_auth",
})


def libpq_params(config: dict, name: str | None = None) -> dict[str, str]:
    """libpq's connection parameters for Django's DATABASES entry `config` (another database `name` on the same
    servers if given): dbname, host and port (comma lists for several hosts), user, password and the libpq OPTIONS."""
    params = {"dbname": name or config.get("NAME"), "host": config.get("HOST"), "port": config.get("PORT"),
              "user": config.get("USER"), "password": config.get("PASSWORD")}
    params.update({key: value for key, value in (config.get("OPTIONS") or {}).items() if key in LIBPQ_OPTIONS})
    return {key: str(value) for key, value in params.items() if value not in (None, "")}


def _url_host(host: str) -> str:
    if host.startswith("/"):  # a Unix socket's folder
        return quote(host, safe="")
    return f"[{host}]" if ":" in host else host


def url_of(config: dict, name: str | None = None) -> str:
    """A postgresql:// URL for `config` (another database `name` on the same servers if given), every host of a list
    kept, with the libpq OPTIONS as its query: what DATABASE_URL is for a process of its own."""
    hosts_ = str(config.get("HOST") or "").split(",")
    ports = str(config.get("PORT") or "").split(",")
    ports = ports if len(ports) == len(hosts_) else [ports[0]] * len(hosts_)
    listed = ",".join(f"{_url_host(host)}{f':{port}' if port else ''}" for host, port in zip(hosts_, ports, strict=True))
    user = quote(str(config.get("USER") or ""), safe="")
    password = f":{quote(str(config['PASSWORD']), safe='')}" if config.get("PASSWORD") else ""
    at = f"{user}{password}@" if user or password else ""
    query = {key: str(value) for key, value in (config.get("OPTIONS") or {}).items() if key in LIBPQ_OPTIONS}
    return (f"postgresql://{at}{listed or 'localhost'}/{quote(str(name or config.get('NAME') or ''), safe='')}"
            + (f"?{urlencode(query)}" if query else ""))
