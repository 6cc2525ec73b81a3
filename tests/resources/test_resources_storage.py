"""What tasks and pools need of storage: the provider, and their buckets' names."""

from __future__ import annotations

import pytest
from fake_requester import FakeRequester

from qarnot_async import ConfigurationError
from qarnot_async.models import Pool, ResourcesBucket, Task
from qarnot_async.resources import Pools, Tasks
from qarnot_async.resources._storage import resource_bucket_names, storage_of


def test_resource_bucket_names_plain_then_advanced() -> None:
    task = Task(
        uuid="t",
        resource_buckets=("a", "b"),
        advanced_resource_buckets=(ResourcesBucket(bucket_name="c", prefix="x/"),),
    )
    assert resource_bucket_names(task) == ["a", "b", "c"]
    assert resource_bucket_names(Pool(uuid="p")) == []


def test_storage_of_says_why_there_is_none() -> None:
    with pytest.raises(ConfigurationError, match="without storage"):
        storage_of(None)

    def unavailable() -> object:
        raise ConfigurationError("storage needs aiobotocore")

    with pytest.raises(ConfigurationError, match="aiobotocore"):
        storage_of(unavailable)  # type: ignore[arg-type]


async def test_collections_without_storage_refuse_storage_calls_before_any_request() -> None:
    requester = FakeRequester()
    tasks, pools = Tasks(requester), Pools(requester)
    with pytest.raises(ConfigurationError, match="without storage"):
        await tasks.download_results("abc", "out")
    with pytest.raises(ConfigurationError, match="without storage"):
        await tasks.delete("abc", purge_results=True)
    with pytest.raises(ConfigurationError, match="without storage"):
        await pools.delete("abc", purge_resources=True)
    assert requester.calls == []
