"""A path marked :data:`UNVERSIONED` goes from the cluster URL, outside ``/v1``."""

from __future__ import annotations

import pytest

from qarnot_async import Client, MockTransport
from qarnot_async._transport import UNVERSIONED, Request, Response


def _echo(request: Request) -> Response:
    return Response(200, {}, b"{}")


@pytest.mark.parametrize(
    ("cluster", "version", "path", "expected"),
    [
        ("https://api.example.com", "v1", "/tasks", "/v1/tasks"),
        (
            "https://api.example.com",
            "v1",
            f"{UNVERSIONED}/secrets-manager/data/k",
            "/secrets-manager/data/k",
        ),
        ("https://api.example.com/base/", "v1", f"{UNVERSIONED}/carbon/v1/x", "/base/carbon/v1/x"),
        ("https://api.example.com", None, f"{UNVERSIONED}/quotas/q", "/quotas/q"),
    ],
)
async def test_unversioned_paths(
    cluster: str, version: str | None, path: str, expected: str
) -> None:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        seen.append(request)
        return _echo(request)

    async with Client(
        "token", cluster_url=cluster, api_version=version, transport=MockTransport(handler)
    ) as client:
        view = client.with_options(timeout=5)
        for sender in (client, view):
            await sender.request("GET", path)
    assert [r.url.raw_path for r in seen] == [expected, expected]
    # The marker never reaches the service, nor the path errors name.
    assert all(not r.path.startswith(UNVERSIONED) for r in seen)
