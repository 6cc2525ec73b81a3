"""The seam's types: Request, Response, path quoting, the transport protocol."""

from __future__ import annotations

import asyncio
import threading
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDictProxy
from yarl import URL

from qarnot_async import (
    AiohttpTransport,
    AsyncTransport,
    ConfigurationError,
    DecodeError,
    MockTransport,
    Request,
    Response,
)
from qarnot_async._transport import path
from qarnot_async._transport._model import bind_loop


def test_path_quotes_every_segment() -> None:
    assert path("tasks", "a/b?c", 3) == "/tasks/a%2Fb%3Fc/3"
    assert path() == ""
    uuid = "dc075f8f-ea0f-4263-8cc0-156dbd692267"
    assert path("tasks", uuid, "stdout") == f"/tasks/{uuid}/stdout"
    assert path("a b", "é", "x\ny", "~._-") == "/a%20b/%C3%A9/x%0Ay/~._-"


@given(st.lists(st.text(), max_size=4))
def test_path_quotes_as_urllib_does(segments: list[str]) -> None:
    # The fast path for segments that need no quoting changes nothing.
    assert path(*segments) == "".join("/" + quote(s, safe="") for s in segments)


def test_response_from_json() -> None:
    resp = Response.from_json({"uuid": "u", "n": [1]}, status=201, headers={"X-A": "1"})
    assert resp.status == 201
    assert resp.json() == {"uuid": "u", "n": [1]}
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["x-a"] == "1"
    assert isinstance(resp.headers, CIMultiDictProxy)
    assert (resp.method, resp.path, resp.attempt) == ("", "", 1)
    custom = Response.from_json([], headers={"Content-Type": "application/problem+json"})
    assert custom.headers.getall("Content-Type") == ["application/problem+json"]


def test_response_from_text_and_bare() -> None:
    resp = Response.from_text("héllo", status=503)
    assert resp.text() == "héllo"
    assert resp.headers["Content-Type"].startswith("text/plain")
    bare = Response(204)
    assert bare.json() is None
    assert bare.text() == ""
    assert len(bare.headers) == 0
    pairs = Response(200, [("Set-Cookie", "a"), ("set-cookie", "b")])
    assert pairs.headers.getall("SET-COOKIE") == ["a", "b"]


def test_response_json_names_the_request_when_invalid() -> None:
    resp = Response(200, {}, b"{not json", "GET", "/tasks/u")
    with pytest.raises(DecodeError, match=r"GET /tasks/u: \$: the answer is not valid JSON") as e:
        resp.json()
    assert (e.value.where, e.value.field, e.value.value) == ("GET /tasks/u", "$", b"{not json")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 200_000, "nested too deeply"),  # RecursionError inside json
        (b'{"uuid": "\xff\xfe"}', "not valid JSON"),  # UnicodeDecodeError inside json
    ],
)
def test_response_json_raises_only_decode_errors(body: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message) as e:
        Response(200, {}, body, "GET", "/tasks/u").json()
    assert e.value.where == "GET /tasks/u"
    assert len(str(e.value)) < 500  # the value shown is cut


def test_request() -> None:
    url = URL("https://api.example.test/v1/tasks?x=1")
    req = Request("POST", url, {"content-type": "application/json"}, b'{"a":1}', 5.0, "/tasks")
    assert req.headers["Content-Type"] == "application/json"
    assert req.json() == {"a": 1}
    assert req.path == "/tasks"
    assert Request("GET", url).path == "/v1/tasks"  # defaults to the URL's path
    assert Request("GET", url).json() is None
    with pytest.raises(DecodeError, match="request body is not valid JSON"):
        Request("POST", url, body=b"<").json()


def test_both_transports_satisfy_the_protocol() -> None:
    assert isinstance(AiohttpTransport(), AsyncTransport)
    assert isinstance(MockTransport(lambda r: Response(200)), AsyncTransport)
    assert not isinstance(object(), AsyncTransport)


async def test_bind_loop_refuses_a_second_loop() -> None:
    loop = bind_loop(None)
    assert loop is asyncio.get_running_loop()
    assert bind_loop(loop) is loop
    errors: list[BaseException] = []

    def other_thread() -> None:
        async def use() -> None:
            bind_loop(loop)

        try:
            asyncio.run(use())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert len(errors) == 1
    assert isinstance(errors[0], ConfigurationError)
    assert "another event loop" in str(errors[0])
