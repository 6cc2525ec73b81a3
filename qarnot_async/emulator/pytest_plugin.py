"""pytest fixtures serving the Qarnot emulator.

Install ``qarnot-async[testing]`` (it brings pytest and pytest-asyncio); the module is
registered as a ``pytest11`` plugin, so a test file needs no configuration at all::

    import pytest

    async def test_create(qarnot_client):
        ...

    @pytest.mark.qarnot_emulator(speed=100)
    async def test_runs(qarnot_emulator, qarnot_client):
        ...

Fixtures (function scope, async):

``qarnot_emulator``
    A started :class:`~qarnot_async.emulator.Emulator` on a free loopback port, with a
    manual clock (``await qarnot_emulator.advance(60)`` moves time). The keyword
    arguments of the ``qarnot_emulator`` marker go to its constructor::

        @pytest.mark.qarnot_emulator(quotas={"maxTask": 3}, fault_rate=0.1, seed=1)
        async def test_quota(qarnot_emulator): ...

``qarnot_client``
    ``qarnot_emulator.client()``: a :class:`qarnot_async.Client` pointed at the
    emulator, closed after the test.

What the plugin does so that this works in a project with no pytest configuration:

* a test that uses one of these fixtures and is an ``async def`` is marked
  ``@pytest.mark.asyncio`` for it (pytest-asyncio's default "strict" mode would
  otherwise leave it unrun), unless it already carries an ``asyncio`` or ``anyio`` mark;
* when the project does not set ``asyncio_default_fixture_loop_scope``, its default
  becomes ``"function"`` (pytest-asyncio's announced future default), so pytest-asyncio
  does not warn about it (a warning that ``-W error`` turns into an error);
* the ``qarnot_emulator`` marker is registered;
* without pytest-asyncio, a test session that uses the fixtures stops with one line
  saying what to install, instead of failing test by test.

Without the entry point (e.g. ``-p no:qarnot_async``), import the fixtures in a
``conftest.py`` and mark the tests yourself::

    from qarnot_async.emulator.pytest_plugin import qarnot_client, qarnot_emulator
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Generator
from typing import TYPE_CHECKING, Any

import pytest

from ._emulator import Emulator

if TYPE_CHECKING:
    from qarnot_async import Client

try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # reported as one line at collection, see pytest_collection_modifyitems
    _async_fixture = pytest.fixture  # type: ignore[assignment]

__all__ = [
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_load_initial_conftests",
    "pytest_pycollect_makeitem",
    "qarnot_client",
    "qarnot_emulator",
]

_MARKER = "qarnot_emulator"
_FIXTURES = frozenset({"qarnot_emulator", "qarnot_client"})
_LOOP_SCOPE_INI = "asyncio_default_fixture_loop_scope"
_WIDE_SCOPES = frozenset({"module", "package", "session"})
MISSING_PYTEST_ASYNCIO = (
    "the qarnot_emulator and qarnot_client fixtures need pytest-asyncio: "
    "pip install 'qarnot-async[testing]' (or pytest-asyncio)"
)


def _uses_our_fixtures(item: pytest.Item) -> bool:
    return isinstance(item, pytest.Function) and not _FIXTURES.isdisjoint(item.fixturenames)


def _asyncio_plugin_active(config: pytest.Config) -> bool:
    try:
        from pytest_asyncio import plugin
    except ImportError:
        return False
    # Installed is not enough: `-p no:asyncio` blocks it.
    return config.pluginmanager.is_registered(plugin)


@pytest.hookimpl(trylast=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """Default ``asyncio_default_fixture_loop_scope`` to ``"function"``.

    pytest-asyncio warns in its ``pytest_configure`` when the option is unset, and a
    project without configuration never sets it. Declaring the option again with a
    default changes only the fallback: a value in the project's configuration or
    ``-o`` still wins. This runs after every plugin and initial conftest is loaded,
    so pytest-asyncio's own declaration is not declared again after it.
    """
    parser.addini(
        _LOOP_SCOPE_INI,
        type="string",
        help="default scope of the asyncio event loop used to execute async fixtures "
        "(qarnot_async's plugin defaults it to 'function')",
        default="function",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``qarnot_emulator`` marker."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**options): keyword arguments of the Emulator(...) behind the "
        "qarnot_emulator and qarnot_client fixtures",
    )


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_pycollect_makeitem(
    collector: pytest.Module | pytest.Class, name: str, obj: object
) -> Generator[None, Any, Any]:
    """Mark the async tests that use our fixtures for pytest-asyncio.

    pytest-asyncio decides whether a test is its own when the test is collected (in a
    wrapper of this same hook), so the mark must be there before: this wrapper is
    ``trylast``, hence the innermost, and adds it first.
    """
    result = yield
    if not _asyncio_plugin_active(collector.config):
        return result  # an asyncio mark nobody declared would only add a warning
    # Our fixtures run in the loop of the project's default fixture loop scope: the test
    # must run in that same loop, or the client would be awaited from another one.
    scope = collector.config.getini(_LOOP_SCOPE_INI)
    mark = pytest.mark.asyncio(loop_scope=scope) if scope in _WIDE_SCOPES else pytest.mark.asyncio
    items = result if isinstance(result, list) else [result]
    for item in items:
        if (
            isinstance(item, pytest.Function)
            and _uses_our_fixtures(item)
            and inspect.iscoroutinefunction(item.obj)
            and item.get_closest_marker("asyncio") is None
            and item.get_closest_marker("anyio") is None
        ):
            item.add_marker(mark)
    return result


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Stop with one line when a collected test needs pytest-asyncio and it is missing."""
    if not _asyncio_plugin_active(config) and any(_uses_our_fixtures(i) for i in items):
        raise pytest.UsageError(MISSING_PYTEST_ASYNCIO)


@_async_fixture
async def qarnot_emulator(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """A started emulator (manual clock unless the marker says otherwise)."""
    marker = request.node.get_closest_marker(_MARKER)
    options: dict[str, Any] = {}
    if marker is not None:
        if marker.args:
            pytest.fail(
                f"@pytest.mark.{_MARKER} takes keyword arguments only, got {marker.args!r}",
                pytrace=False,
            )
        options = dict(marker.kwargs)
    try:
        emulator = Emulator(**options)
    except (TypeError, ValueError) as exc:
        # A typo in the marker is the user's mistake: one line, not a traceback.
        pytest.fail(f"@pytest.mark.{_MARKER}: {exc}", pytrace=False)
    async with emulator:
        yield emulator


@_async_fixture
async def qarnot_client(qarnot_emulator: Emulator) -> AsyncIterator[Client]:
    """A ``qarnot_async.Client`` for the emulator, closed at the end of the test."""
    async with qarnot_emulator.client() as client:
        yield client
