"""Qarnot's S3 storage: buckets, objects, and files in and out of them.

``client.buckets`` (a :class:`Buckets`) needs the ``storage`` extra (``pip install
'qarnot-async[storage]'``, which brings aiobotocore)::

    async with Client.from_env() as client:
        await client.buckets.create("inputs")
        summary = await client.buckets.upload("inputs", "data/")
        async for item in client.buckets.objects("inputs"):
            print(item.key, item.size)
        await client.buckets.download("inputs", "copy/")

Everything here imports without aiobotocore; only using a bucket needs it.
"""

from ._access import AccountReader, StorageAccess
from ._buckets import DEFAULT_CONCURRENCY, DEFAULT_MEMORY, Buckets
from ._errors import (
    BucketAlreadyExistsError,
    BucketNotEmptyError,
    BucketNotFoundError,
    LocalPathError,
    ObjectNotFoundError,
    StorageAuthError,
    StorageError,
    StorageServerError,
)
from ._etag import MULTIPART_THRESHOLD, PART_SIZE, ETagHasher, local_etag
from ._models import ProgressCallback, StorageObject, TransferProgress, TransferSummary
from ._s3 import (
    DEFAULT_STORAGE_URL,
    INSTALL_HINT,
    S3Connection,
    S3Settings,
    SettingsResolver,
    require_aiobotocore,
)

__all__ = [
    "AccountReader",
    "StorageAccess",
    "DEFAULT_CONCURRENCY",
    "DEFAULT_MEMORY",
    "DEFAULT_STORAGE_URL",
    "INSTALL_HINT",
    "MULTIPART_THRESHOLD",
    "PART_SIZE",
    "BucketAlreadyExistsError",
    "BucketNotEmptyError",
    "BucketNotFoundError",
    "Buckets",
    "ETagHasher",
    "LocalPathError",
    "ObjectNotFoundError",
    "ProgressCallback",
    "S3Connection",
    "S3Settings",
    "SettingsResolver",
    "StorageAuthError",
    "StorageError",
    "StorageObject",
    "StorageServerError",
    "TransferProgress",
    "TransferSummary",
    "local_etag",
    "require_aiobotocore",
]
