import socket

import pytest
from django.test import override_settings

from indicators.exceptions import FetchError, TransientFetchError
from indicators.fetch import Fetcher, FetchPolicy, display_url, host_allowed
from tests.indicators.http_server import Reply

LOCAL = FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True, timeout=2)


def fetch(url, policy=LOCAL, **kwargs):
    return Fetcher(policy).get(url, **kwargs)


def test_it_returns_the_body_and_adds_params_to_the_query(http_server):
    http_server.routes["/data.csv"] = Reply(body=b"indicator,area,period,value\n")

    body = fetch(http_server.url("/data.csv?lang=zh"), params={"date": "2023", "q": "发电量"})

    assert body == b"indicator,area,period,value\n"
    assert http_server.requests == ["/data.csv?lang=zh&date=2023&q=%E5%8F%91%E7%94%B5%E9%87%8F"]


def test_a_host_not_on_the_list_is_refused_before_any_request(http_server):
    policy = FetchPolicy(allowed_hosts=("api.worldbank.org", "*.stats.gov.cn"), allow_private=True)

    with pytest.raises(FetchError) as caught:
        fetch(http_server.url("/data.csv"), policy)

    assert caught.value.message.startswith(
        f'The host "127.0.0.1" of http://127.0.0.1:{http_server.port}/data.csv is not in '
        "INDICATORS_ALLOWED_HOSTS (api.worldbank.org, *.stats.gov.cn)."
    )
    assert not isinstance(caught.value, TransientFetchError)
    assert http_server.requests == []


def test_a_loopback_address_is_refused_unless_private_addresses_are_allowed(http_server):
    http_server.routes["/data.csv"] = Reply(body=b"x")
    policy = FetchPolicy(allowed_hosts=("127.0.0.1",))

    with pytest.raises(FetchError) as caught:
        fetch(http_server.url("/data.csv"), policy)

    assert "resolves to 127.0.0.1, a private, loopback or reserved address" in caught.value.message
    assert "INDICATORS_ALLOW_PRIVATE_ADDRESSES" in caught.value.message
    assert http_server.requests == []


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("10.1.2.3", "10.1.2.3"),
        ("169.254.169.254", "169.254.169.254"),  # cloud metadata endpoint
        ("[::1]", "::1"),
        ("100.64.0.1", "100.64.0.1"),  # carrier-grade NAT
        ("localhost", "127.0.0.1"),
    ],
)
def test_private_link_local_and_reserved_addresses_are_refused(host, address):
    allowed = host.strip("[]")
    try:
        socket.getaddrinfo(allowed, 80)
    except socket.gaierror:
        pytest.skip(f"{allowed} does not resolve on this machine")

    with pytest.raises(FetchError, match="private, loopback or reserved"):
        fetch(f"http://{host}/x", FetchPolicy(allowed_hosts=(allowed,)))


def test_only_http_and_https_are_fetched():
    with pytest.raises(FetchError, match='"file:///etc/passwd" is not an http or https address'):
        fetch("file:///etc/passwd")


def test_a_redirect_within_the_host_is_followed(http_server):
    http_server.routes["/old"] = Reply(302, headers={"Location": "/new"})
    http_server.routes["/new"] = Reply(body=b"moved data")

    assert fetch(http_server.url("/old")) == b"moved data"
    assert http_server.requests == ["/old", "/new"]


def test_a_redirect_to_another_host_is_refused(http_server):
    http_server.routes["/old"] = Reply(
        301, headers={"Location": http_server.url("/new", host="localhost")}
    )
    policy = FetchPolicy(allowed_hosts=("127.0.0.1", "localhost"), allow_private=True)

    with pytest.raises(FetchError) as caught:
        fetch(http_server.url("/old"), policy)

    assert (
        f"redirected to http://localhost:{http_server.port}/new, another host"
        in caught.value.message
    )
    assert http_server.requests == ["/old"]


@pytest.fixture
def second_server():
    """Another service on the same allowed host, on another port (a database, say)."""
    from tests.indicators.http_server import LocalServer

    server = LocalServer()
    server.routes["/"] = Reply(body=b"internal")
    yield server
    server.close()


def test_a_redirect_to_another_port_of_an_allowed_host_is_refused(http_server, second_server):
    http_server.routes["/old"] = Reply(302, headers={"Location": second_server.url("/")})

    with pytest.raises(FetchError) as caught:
        fetch(http_server.url("/old"))

    assert (
        "another host, port or scheme, and the redirect was not followed" in caught.value.message
    )
    assert http_server.requests == ["/old"]
    assert second_server.requests == []  # never contacted, so nothing to retry either


def test_a_redirect_to_a_port_listed_as_host_and_port_is_followed(http_server, second_server):
    http_server.routes["/old"] = Reply(302, headers={"Location": second_server.url("/")})
    policy = FetchPolicy(
        allowed_hosts=("127.0.0.1", f"127.0.0.1:{second_server.port}"), allow_private=True
    )

    assert fetch(http_server.url("/old"), policy) == b"internal"
    assert second_server.requests == ["/"]


def test_a_redirect_from_https_to_http_is_refused_even_on_an_allowed_host() -> None:
    fetcher = Fetcher(FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True))

    with pytest.raises(FetchError, match="never from https to http"):
        fetcher._check_redirect("https://127.0.0.1/a", "https://127.0.0.1/a", "http://127.0.0.1/b")


def test_redirect_loops_stop_after_three_hops(http_server):
    http_server.routes["/loop"] = Reply(302, headers={"Location": "/loop"})

    with pytest.raises(FetchError, match="redirected more than 3 times"):
        fetch(http_server.url("/loop"))
    assert len(http_server.requests) == 4


@pytest.mark.parametrize("content_length", [True, False])
def test_a_body_over_the_size_cap_is_refused_while_reading(http_server, content_length):
    http_server.routes["/big"] = Reply(body=b"x" * 5000, content_length=content_length)
    policy = FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True, max_bytes=4096)

    with pytest.raises(FetchError) as caught:
        fetch(http_server.url("/big"), policy)

    assert (
        "is larger than the limit of 4,096 bytes (INDICATORS_FETCH_MAX_BYTES)"
        in caught.value.message
    )
    assert not isinstance(caught.value, TransientFetchError)


def test_a_body_at_the_size_cap_is_accepted(http_server):
    http_server.routes["/exact"] = Reply(body=b"x" * 4096, content_length=False)
    policy = FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True, max_bytes=4096)

    assert len(fetch(http_server.url("/exact"), policy)) == 4096


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_transient(http_server, status):
    http_server.routes["/busy"] = Reply(status, b"busy", headers={"Retry-After": "120"})

    with pytest.raises(TransientFetchError) as caught:
        fetch(http_server.url("/busy"))

    assert caught.value.message.startswith(f"{http_server.url('/busy')} answered HTTP {status} ")
    assert caught.value.code == "fetch_transient"
    assert caught.value.fields["status"] == status
    assert caught.value.fields["retry_after"] == "120"


@pytest.mark.parametrize("status", [400, 403, 404])
def test_client_errors_are_permanent(http_server, status):
    http_server.routes["/missing"] = Reply(status, b"no")

    with pytest.raises(FetchError) as caught:
        fetch(http_server.url("/missing?key=s3cret&date=2023"))

    assert caught.value.message.startswith(
        f"{http_server.url('/missing')}?key=***&date=2023 answered HTTP {status} "
    )
    assert "Check the URL and its parameters" in caught.value.message
    assert caught.value.fields["status"] == status
    assert not isinstance(caught.value, TransientFetchError)
    assert caught.value.code == "fetch_error"
    assert "s3cret" not in caught.value.message


def test_a_slow_server_times_out_as_transient(http_server):
    http_server.routes["/slow"] = Reply(body=b"late", delay=1.0)
    policy = FetchPolicy(allowed_hosts=("127.0.0.1",), allow_private=True, timeout=0.2)

    with pytest.raises(TransientFetchError, match=r"did not answer within 0\.2 seconds"):
        fetch(http_server.url("/slow"), policy)


def test_a_refused_connection_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the socket closes

    with pytest.raises(
        TransientFetchError, match=f"The connection to http://127.0.0.1:{port}/ failed"
    ):
        fetch(f"http://127.0.0.1:{port}/")


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("api.worldbank.org", True),
        ("API.WorldBank.org.", True),
        ("data.stats.gov.cn", True),
        ("stats.gov.cn", False),  # "*." means subdomains only
        ("evilstats.gov.cn", False),
        ("worldbank.org", False),
    ],
)
def test_host_allowed_matches_exact_names_and_star_suffixes(host, allowed):
    assert host_allowed(host, ("api.worldbank.org", "*.stats.gov.cn")) is allowed


def test_display_url_masks_secrets_only():
    assert (
        display_url("https://x.org/a?api_key=abc&token=t&date=2023")
        == "https://x.org/a?api_key=***&token=***&date=2023"
    )


@override_settings(
    INDICATORS_FETCH_TIMEOUT=5,
    INDICATORS_FETCH_MAX_BYTES=1024,
    INDICATORS_ALLOWED_HOSTS=["api.worldbank.org"],
    INDICATORS_ALLOW_PRIVATE_ADDRESSES=True,
)
def test_policy_from_settings():
    assert FetchPolicy.from_settings() == FetchPolicy(
        timeout=5.0, max_bytes=1024, allowed_hosts=("api.worldbank.org",), allow_private=True
    )
