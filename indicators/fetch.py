"""HTTP downloads for ingestion, with the rules every fetch must follow.

Source URLs are typed in by analysts, so a fetch must not become a way into the intranet:
only http(s), only hosts on ``INDICATORS_ALLOWED_HOSTS``, never an address that resolves to a
private, loopback, link-local or reserved network (unless explicitly allowed), a time limit and
a size cap enforced while reading. A redirect is followed to the same scheme, host and port; to
anywhere else only when the target passes the guard on its own: no downgrade from https, a host
on the list, and the scheme's default port unless the list names ``host:port`` (a redirect to
another port of an allowed host, say a database's, is refused).

Errors say whether retrying can help: ``TransientFetchError`` (timeouts, connection failures,
429, 5xx) is retried by the task; ``FetchError`` (4xx, refused URL, too large) is not.

Known limit: the address check resolves the host before ``requests`` resolves it again, so a
host whose DNS answer changes between the two lookups could slip through. The allowed-hosts
list is the main control; the address check is defence in depth.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from indicators.exceptions import FetchError, TransientFetchError

USER_AGENT = "four-plus-one-dashboard/0.1 (indicator ingestion)"
DEFAULT_PORTS = {"http": 80, "https": 443}
_SECRET_PARAMS = ("key", "token", "secret", "password", "signature")


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one fetch.

    ``timeout`` is in seconds and applies to connecting and to each read (not to the whole
    download, which ``max_bytes`` bounds instead); ``max_bytes`` counts the body after
    decompression; ``allowed_hosts`` holds host names, exact or "*.example.org" (subdomains
    only), optionally with ":port" (a port redirects may go to besides the default one);
    ``allow_private`` permits intranet addresses.
    """

    timeout: float = 20
    max_bytes: int = 20 * 1024 * 1024
    allowed_hosts: tuple[str, ...] = ()
    allow_private: bool = False

    @classmethod
    def from_settings(cls) -> FetchPolicy:
        """The policy from ``INDICATORS_FETCH_*`` / ``INDICATORS_ALLOWED_HOSTS`` settings."""
        return cls(
            timeout=float(getattr(settings, "INDICATORS_FETCH_TIMEOUT", cls.timeout)),
            max_bytes=int(getattr(settings, "INDICATORS_FETCH_MAX_BYTES", cls.max_bytes)),
            allowed_hosts=tuple(getattr(settings, "INDICATORS_ALLOWED_HOSTS", ())),
            allow_private=bool(getattr(settings, "INDICATORS_ALLOW_PRIVATE_ADDRESSES", False)),
        )


def _entry_host(entry: str) -> str:
    """The host part of an allowed-hosts entry ("host", "host:port", "[v6]:port")."""
    entry = entry.strip().lower()
    if entry.startswith("["):
        return entry[1:].split("]", 1)[0]
    if entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    return entry.rstrip(".")


def host_allowed(host: str, allowed_hosts: tuple[str, ...]) -> bool:
    """True when ``host`` equals an entry, or is a subdomain of a "*.suffix" entry."""
    host = host.lower().rstrip(".")
    for pattern in (_entry_host(entry) for entry in allowed_hosts):
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


def display_url(url: str) -> str:
    """``url`` for messages and logs, with key/token-like query values masked."""
    parts = urlsplit(url)
    query = [
        (k, "***" if any(s in k.lower() for s in _SECRET_PARAMS) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*:,")))


class Fetcher:
    """GET over HTTP(S) under a ``FetchPolicy``; returns the body as bytes."""

    MAX_REDIRECTS = 3

    def __init__(
        self, policy: FetchPolicy | None = None, *, session: requests.Session | None = None
    ) -> None:
        self.policy = policy or FetchPolicy.from_settings()
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> bytes:
        """The body of ``url`` (with ``params`` added to its query).

        Raises ``FetchError`` or ``TransientFetchError`` with a message naming the URL.
        """
        current = self._prepare(url, params)
        self._check_url(current)
        for _hop in range(self.MAX_REDIRECTS + 1):
            with _network_errors(current, self.policy.timeout):
                response = self.session.get(
                    current, stream=True, timeout=self.policy.timeout, allow_redirects=False
                )
            with response:
                if not response.is_redirect:
                    _check_status(current, response)
                    return self._read(current, response)
                target = urljoin(current, response.headers["location"])
                self._check_redirect(url, current, target)
                current = target
        raise FetchError(
            _("%(url)s 重定向超过 %(max)s 次；请在来源中填写最终地址。")
            % {"url": display_url(url), "max": self.MAX_REDIRECTS},
            fields={"url": display_url(url)},
        )

    def _prepare(self, url: str, params: Mapping[str, Any] | None) -> str:
        try:
            prepared = requests.Request("GET", url, params=params).prepare().url
        except requests.RequestException as exc:
            raise FetchError(
                _("“%(url)s”不是有效的地址（%(reason)s）；请改正来源地址。")
                % {"url": url, "reason": exc},
                fields={"url": url},
            ) from None
        return prepared or url

    def _check_url(self, url: str) -> str:
        """Scheme, allowed host and public address; returns the host name."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise _refused(_("“%(url)s”不是 http 或 https 地址；请改正来源地址。"), url)
        if not host_allowed(host, self.policy.allowed_hosts):
            raise _refused(
                _(
                    "%(url)s 的主机“%(host)s”不在 INDICATORS_ALLOWED_HOSTS（%(allowed)s）中。如"
                    "该来源可信，请把它加入服务器环境变量 INDICATORS_ALLOWED_HOSTS；否则请改正地"
                    "址。"
                ),
                url,
                host=host,
                allowed=", ".join(self.policy.allowed_hosts) or _("空"),
            )
        if not self.policy.allow_private:
            _check_public(host, parts.port or (443 if parts.scheme == "https" else 80), url)
        return host

    def _check_redirect(self, original: str, current: str, target: str) -> None:
        """Follow ``current`` → ``target`` only within one origin or to a URL the guard allows.

        Another origin must pass the guard by itself: no https → http downgrade, a listed host,
        and the default port of its scheme unless INDICATORS_ALLOWED_HOSTS names "host:port".
        """
        if _origin(target) != _origin(current):
            parts = urlsplit(target)
            host = (parts.hostname or "").lower()
            port = _port(parts)
            downgrade = urlsplit(current).scheme == "https" and parts.scheme != "https"
            listed = host_allowed(host, self.policy.allowed_hosts) and (
                port == DEFAULT_PORTS.get(parts.scheme)
                or _port_listed(host, port, self.policy.allowed_hosts)
            )
            if downgrade or not listed:
                raise _refused(
                    _(
                        "%(url)s 重定向到了 %(target)s，主机、端口或协议与原地址不同，未跟随。"
                        "只跟随到 INDICATORS_ALLOWED_HOSTS 中主机的默认端口（或以“主机:端口”"
                        "列出的端口）的重定向，且不从 https 降为 http。"
                        "如新地址可信，请直接把它填为来源地址。"
                    ),
                    original,
                    target=display_url(target),
                )
        self._check_url(target)

    def _read(self, url: str, response: requests.Response) -> bytes:
        limit = self.policy.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(url, limit)
        body = bytearray()
        with _network_errors(url, self.policy.timeout):
            # Counted after decompression, so a small gzip bomb cannot exceed the cap either.
            for chunk in response.iter_content(chunk_size=65536):
                body += chunk
                if len(body) > limit:
                    raise _too_large(url, limit)
        return bytes(body)


def _port(parts: Any) -> int | None:
    try:
        return parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # a port that is not a number
        return None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), _port(parts)


def _port_listed(host: str, port: int | None, allowed_hosts: tuple[str, ...]) -> bool:
    """True when an entry names this host (or a "*." pattern matching it) with this port."""
    for entry in allowed_hosts:
        head, sep, tail = entry.strip().lower().rpartition(":")
        if sep and tail.isdigit() and int(tail) == port and host_allowed(host, (head,)):
            return True
    return False


def _check_public(host: str, port: int, url: str) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TransientFetchError(
            _("无法解析 %(url)s 的主机“%(host)s”（%(reason)s）。")
            % {"host": host, "url": display_url(url), "reason": exc.strerror},
            fields={"url": display_url(url)},
        ) from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise _refused(
                _(
                    "%(url)s 的主机“%(host)s”解析为 %(address)s，属于私有、回环或保留地址，禁止"
                    "从内部网络采集。如这是可信的内网服务，请在服务器环境变量中设置 INDICATORS_A"
                    "LLOW_PRIVATE_ADDRESSES=1。"
                ),
                url,
                host=host,
                address=str(address),
            )


def _check_status(url: str, response: requests.Response) -> None:
    status = response.status_code
    if status < 300:
        return
    values = {"url": display_url(url), "status": status, "reason": response.reason or ""}
    fields = {"url": values["url"], "status": status}
    if status == 429 or status >= 500:
        fields["retry_after"] = response.headers.get("retry-after", "")
        raise TransientFetchError(
            _("%(url)s 返回 HTTP %(status)s %(reason)s。这通常是暂时的，稍后会自动重试。")
            % values,
            fields=fields,
        )
    raise FetchError(
        _(
            "%(url)s 返回 HTTP %(status)s %(reason)s。请检查来源设置中的地址及其参数（以及发布方"
            "要求的访问密钥）。"
        )
        % values,
        fields=fields,
    )


def _refused(template: str, url: str, **values: str) -> FetchError:
    return FetchError(
        template % {"url": display_url(url), **values}, fields={"url": display_url(url)}
    )


def _too_large(url: str, limit: int) -> FetchError:
    return FetchError(
        _(
            "%(url)s 的响应超过 %(limit)s 字节的上限（INDICATORS_FETCH_MAX_BYTES）。请缩小查询范"
            "围（减少年份或地区），或在服务器环境变量中调高 INDICATORS_FETCH_MAX_BYTES。"
        )
        % {"url": display_url(url), "limit": f"{limit:,}"},
        fields={"url": display_url(url)},
    )


@contextmanager
def _network_errors(url: str, timeout: float) -> Iterator[None]:
    """Translate ``requests`` exceptions into retryable or permanent fetch errors."""
    values = {"url": display_url(url), "timeout": timeout}
    try:
        yield
    except requests.exceptions.SSLError as exc:
        # A certificate problem does not fix itself on retry.
        raise FetchError(
            _("与 %(url)s 的 TLS 连接失败（%(reason)s）：证书不受信任。")
            % {**values, "reason": exc},
            fields={"url": values["url"]},
        ) from None
    except requests.Timeout:
        raise TransientFetchError(
            _("%(url)s 在 %(timeout)s 秒内没有响应，稍后会自动重试。") % values,
            fields={"url": values["url"]},
        ) from None
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        raise TransientFetchError(
            _("连接 %(url)s 失败（%(reason)s），稍后会自动重试。") % {**values, "reason": exc},
            fields={"url": values["url"]},
        ) from None
    except requests.RequestException as exc:
        raise FetchError(
            _("获取 %(url)s 失败（%(reason)s）。") % {**values, "reason": exc},
            fields={"url": values["url"]},
        ) from None
