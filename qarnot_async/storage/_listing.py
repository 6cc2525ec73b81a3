"""Walking a bucket's objects (and versions), and emptying a bucket before deleting it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Final

from ._etag import strip_quotes
from ._models import StorageObject
from ._s3 import S3Connection

if TYPE_CHECKING:
    from types_aiobotocore_s3.type_defs import (
        ListObjectsV2OutputTypeDef,
        ListObjectVersionsOutputTypeDef,
    )

__all__ = ["empty_bucket", "list_objects"]

# DeleteObjects takes at most 1,000 keys per request.
_DELETE_BATCH: Final = 1000

# Each request below is its own function so that its lambda closes over arguments,
# never over a loop's variables.


async def _object_page(
    connection: S3Connection, name: str, prefix: str, token: dict[str, Any]
) -> ListObjectsV2OutputTypeDef:
    return await connection.call(
        "ListObjectsV2", lambda s3: s3.list_objects_v2(Bucket=name, Prefix=prefix, **token), name
    )


async def _version_page(
    connection: S3Connection, name: str, marker: dict[str, Any]
) -> ListObjectVersionsOutputTypeDef:
    return await connection.call(
        "ListObjectVersions", lambda s3: s3.list_object_versions(Bucket=name, **marker), name
    )


async def _delete_batch(connection: S3Connection, name: str, batch: Any) -> None:
    await connection.call(
        "DeleteObjects", lambda s3: s3.delete_objects(Bucket=name, Delete=batch), name
    )


async def _abort(connection: S3Connection, name: str, key: str, upload_id: str) -> None:
    await connection.call(
        "AbortMultipartUpload",
        lambda s3: s3.abort_multipart_upload(Bucket=name, Key=key, UploadId=upload_id),
        name,
        key,
    )


async def list_objects(
    connection: S3Connection, name: str, prefix: str
) -> AsyncIterator[StorageObject]:
    """Every object under ``prefix``, one ``ListObjectsV2`` page at a time."""
    token: dict[str, Any] = {}
    while True:
        page = await _object_page(connection, name, prefix, token)
        for entry in page.get("Contents", []):
            yield StorageObject(
                key=entry["Key"],
                size=entry.get("Size", 0),
                etag=strip_quotes(entry.get("ETag", "")),
                last_modified=entry.get("LastModified"),
            )
        if not page.get("IsTruncated"):
            return
        token = {"ContinuationToken": page["NextContinuationToken"]}


async def _versions(connection: S3Connection, name: str) -> AsyncIterator[dict[str, str]]:
    marker: dict[str, Any] = {}
    while True:
        page = await _version_page(connection, name, marker)
        for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            yield {"Key": entry["Key"], "VersionId": entry["VersionId"]}
        if not page.get("IsTruncated"):
            return
        marker = {
            "KeyMarker": page["NextKeyMarker"],
            "VersionIdMarker": page["NextVersionIdMarker"],
        }


async def empty_bucket(connection: S3Connection, name: str) -> None:
    """Delete every object of the bucket (every version, if it keeps versions) and abort
    its unfinished multipart uploads, so that the bucket itself can be deleted."""
    versioning = await connection.call(
        "GetBucketVersioning", lambda s3: s3.get_bucket_versioning(Bucket=name), name
    )
    if versioning.get("Status") in ("Enabled", "Suspended"):
        # A versioned bucket keeps every version: each must go for the bucket to go.
        targets = [v async for v in _versions(connection, name)]
    else:
        targets = [{"Key": o.key} async for o in list_objects(connection, name, "")]
    for start in range(0, len(targets), _DELETE_BATCH):
        batch: Any = {"Objects": targets[start : start + _DELETE_BATCH], "Quiet": True}
        await _delete_batch(connection, name, batch)
    uploads = await connection.call(
        "ListMultipartUploads", lambda s3: s3.list_multipart_uploads(Bucket=name), name
    )
    for upload in uploads.get("Uploads", []):
        await _abort(connection, name, upload["Key"], upload["UploadId"])
