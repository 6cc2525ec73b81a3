"""The emulator's S3 storage: moto's server on loopback, behind a SigV4 gate.

``Emulator(storage=True)`` serves moto's S3 (its WSGI application, served as its
``ThreadedMotoServer`` does: werkzeug, a thread per request) on ``127.0.0.1``,
reported in ``GET /settings`` as ``storage``. In front of it, a small WSGI gate
accepts only what the real storage accepts: requests signed (SigV4) with the
account's e-mail as access key and the emulator's token as secret. Each emulator gets
a moto account of its own, so emulators in one process never see each other's
buckets, and its buckets are deleted when it stops.

When a task ends (Success, or Failure for the instances that succeeded), each such
instance writes ``results/<instance>.txt`` into the task's results bucket, under its
``resultsBucketPrefix``: the resource keys the instance saw, one per line, so a test
can prove that resources went in and results came out. The task (or pool) constant
``EMULATOR_RESULT_FILES`` asks for more files per instance: ``path[:size]`` entries,
comma-separated, ``{instance}`` standing for the instance id, e.g.
``"out/{instance}.bin:1048576,log.txt"``; each holds ``size`` bytes (by default one
line) of a pattern naming the task, the instance and the path.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs

from ._entities import Pool, Task

if TYPE_CHECKING:
    from ._store import Store

__all__ = [
    "MISSING_MOTO",
    "RESULT_FILES_CONSTANT",
    "StorageServer",
    "StorageUnavailableError",
    "parse_result_files",
    "require_moto",
]

_log = logging.getLogger("qarnot_async.emulator")

MISSING_MOTO: Final = (
    "Emulator(storage=True) needs moto's S3 server: pip install 'qarnot-async[emulator-storage]'"
)
RESULT_FILES_CONSTANT: Final = "EMULATOR_RESULT_FILES"

_REGION: Final = "us-east-1"
_ALGORITHM: Final = "AWS4-HMAC-SHA256"


class StorageUnavailableError(RuntimeError):
    """moto's server is not installed (the message names the extra to install)."""


def require_moto() -> None:
    """Raise :class:`StorageUnavailableError` unless moto's server can be imported."""
    try:
        import moto.moto_server.werkzeug_app  # noqa: F401
        import werkzeug.serving  # noqa: F401
    except ImportError:
        raise StorageUnavailableError(MISSING_MOTO) from None


StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def parse_result_files(raw: str) -> list[tuple[str, int | None]]:
    """``"a.txt, out/{instance}.bin:1024"`` -> ``[("a.txt", None), ("out/{instance}.bin",
    1024)]``.

    Raises:
        ValueError: an entry with an empty path or a size that is not a number >= 0.
    """
    found: list[tuple[str, int | None]] = []
    for entry in raw.split(","):
        entry = entry.strip()
        if not entry:
            continue
        path, _, size = entry.partition(":")
        path = path.strip().lstrip("/")
        if not path:
            raise ValueError(f"{RESULT_FILES_CONSTANT}: an entry has no path: {entry!r}")
        if not size.strip():
            found.append((path, None))
            continue
        if not size.strip().isdigit():
            raise ValueError(f"{RESULT_FILES_CONSTANT}: {size!r} is not a size in bytes")
        found.append((path, int(size)))
    return found


def _xml_error(code: str, message: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    ).encode()


class _SigV4Gate:
    """WSGI middleware: refuse what is not signed by the account, and put the request
    in this emulator's own moto account."""

    def __init__(self, app: WsgiApp, access_key: str, secret: str, account_id: str) -> None:
        self.app = app
        self.access_key = access_key
        self.secret = secret
        self.account_id = account_id
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:  # moto serves each request on its own thread
            self.requests[environ["REQUEST_METHOD"]] += 1
        refusal = self._refusal(environ)
        if refusal is not None:
            body = _xml_error(*refusal)
            start_response(
                "403 Forbidden",
                [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
            )
            return [body]
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = self.account_id
        return self.app(environ, start_response)

    def counts(self) -> dict[str, int]:
        """The requests seen so far, by HTTP method."""
        with self._lock:
            return dict(self.requests)

    def _refusal(self, environ: dict[str, Any]) -> tuple[str, str] | None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if not header:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            # A presigned URL (SigV4, or the SigV2 form boto3 still makes): its key is
            # checked, its signature is not worth emulating.
            credential = (query.get("X-Amz-Credential") or query.get("AWSAccessKeyId") or [""])[0]
            if not credential:
                return "AccessDenied", "Anonymous access is refused."
            if credential.split("/")[0] != self.access_key:
                return "InvalidAccessKeyId", "The access key does not exist."
            return None
        fields = _auth_fields(header)
        if fields is None:
            return "AccessDenied", "Only AWS4-HMAC-SHA256 signatures are accepted."
        scope = fields.get("Credential", "").split("/")
        if scope[0] != self.access_key:
            return "InvalidAccessKeyId", "The access key does not exist."
        if not hmac.compare_digest(fields.get("Signature", ""), self._signature(environ, fields)):
            return "SignatureDoesNotMatch", "The request signature does not match."
        return None

    def _signature(self, environ: dict[str, Any], fields: dict[str, str]) -> str:
        """What the signature must be, computed by botocore's own SigV4 signer over the
        request as it arrived (its raw path, and only the headers it signed)."""
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        scope = fields["Credential"].split("/")
        if len(scope) != 5:
            return ""
        headers = {}
        for name in fields.get("SignedHeaders", "").split(";"):
            key = name.upper().replace("-", "_")
            value = environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}")
            if value is not None:
                headers[name] = value
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        host = environ.get("HTTP_HOST", "")
        request = AWSRequest(
            method=environ["REQUEST_METHOD"], url=f"http://{host}{raw}", headers=headers
        )
        request.context["timestamp"] = headers.get("x-amz-date", "")
        signer = S3SigV4Auth(Credentials(scope[0], self.secret), scope[3], scope[2])
        canonical = signer.canonical_request(request)
        return str(signer.signature(signer.string_to_sign(request, canonical), request))


def _auth_fields(header: str) -> dict[str, str] | None:
    algorithm, _, rest = header.partition(" ")
    if algorithm != _ALGORITHM:
        return None
    fields = {}
    for part in rest.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value
    return fields


class StorageServer:
    """moto's S3 on ``127.0.0.1`` for one emulator, and the writer of task results.

    Raises:
        StorageUnavailableError: moto is not installed (the message names the extra).
    """

    def __init__(self, *, email: str, token: str, host: str = "127.0.0.1") -> None:
        require_moto()
        from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        class QuietHandler(MotoRequestHandler):
            """moto's handler without a log line per request on stderr."""

            def log_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        # moto's S3 application alone: its all-services dispatcher would spend more
        # time finding the service than S3 spends answering.
        # A random 12-digit moto account: buckets of another emulator stay invisible.
        account_id = str(secrets.randbelow(9 * 10**11) + 10**11)
        gate = _SigV4Gate(create_backend_app("s3"), email, token, account_id)
        self._gate = gate
        self._server = make_server(host, 0, gate, threaded=True, request_handler=QuietHandler)
        # A short poll: stopping waits for it, and tests stop an emulator each.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="qarnot-emulator-s3",
            daemon=True,
        )
        self._thread.start()
        port = self._server.server_address[1]
        self.url = f"http://{host}:{port}"
        """The storage URL clients are given."""
        self._email = email
        self._token = token
        self._client: Any = None
        self._lock = threading.Lock()

    def requests(self) -> dict[str, int]:
        """How many requests reached the storage, by HTTP method (refused ones too)."""
        return self._gate.counts()

    def s3(self) -> Any:
        """A botocore S3 client signed as the account (made on first use)."""
        with self._lock:
            if self._client is None:
                from botocore.config import Config

                self._client = _botocore_client(
                    service_name="s3",
                    region_name=_REGION,
                    endpoint_url=self.url,
                    aws_access_key_id=self._email,
                    aws_secret_access_key=self._token,
                    config=Config(
                        s3={"addressing_style": "path"},
                        request_checksum_calculation="when_required",
                        response_checksum_validation="when_required",
                        retries={"total_max_attempts": 1},
                    ),
                )
            return self._client

    def stop(self) -> None:
        """Delete this emulator's buckets (moto keeps them in the process), then stop."""
        try:
            self.purge()
        finally:
            self._server.shutdown()
            self._thread.join()
            self._server.server_close()
            client, self._client = self._client, None
            if client is not None:
                client.close()

    def purge(self) -> None:
        """Delete every bucket of this emulator, with its objects and unfinished
        multipart uploads (``Emulator.reset()`` and :meth:`stop` call it)."""
        s3 = self.s3()
        for bucket in s3.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
                s3.abort_multipart_upload(
                    Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
                )
            # Listed whole before deleting: deleting while paging would skip keys.
            for keys in _batches(iter(list(self._keys(name, ""))), 1000):
                s3.delete_objects(
                    Bucket=name, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
                )
            s3.delete_bucket(Bucket=name)

    def _keys(self, bucket: str, prefix: str) -> Iterator[str]:
        paginator = self.s3().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                yield entry["Key"]

    # -- results ---------------------------------------------------------------------------

    def write_results(self, task: Task, store: Store) -> None:
        """Write the results of the task's succeeded instances (see the module doc).

        Never raises: a storage problem is logged, the task's state stays what it is.
        """
        bucket = task.spec.get("resultsBucket") or task.spec.get("resultBucket")
        if not bucket:
            return
        try:
            self._write_results(task, store, str(bucket))
        except Exception as exc:
            _log.warning("emulator: results of task %s not written: %s", task.uuid, exc)

    def _write_results(self, task: Task, store: Store, bucket: str) -> None:
        s3 = self.s3()
        prefix = str(task.spec.get("resultsBucketPrefix") or "").lstrip("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        pool = store.pools.get(task.pool_uuid) if task.pool_uuid else None
        seen = "".join(f"{key}\n" for key in sorted(set(self._resources(task, pool))))
        extra = parse_result_files(_constant(task, pool, RESULT_FILES_CONSTANT))
        if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
            s3.create_bucket(Bucket=bucket)
        for instance in task.instance_ids:
            if instance in task.fail_ids:
                continue
            s3.put_object(Bucket=bucket, Key=f"{prefix}results/{instance}.txt", Body=seen.encode())
            for path, size in extra:
                name = path.replace("{instance}", str(instance))
                line = f"task {task.uuid} instance {instance} file {name}\n".encode()
                body = line if size is None else (line * (size // len(line) + 1))[:size]
                s3.put_object(Bucket=bucket, Key=prefix + name, Body=body)

    def _resources(self, task: Task, pool: Pool | None) -> Iterator[str]:
        """The keys an instance sees in its working directory: every object of the
        resource buckets of the task and of its pool, filtered and stripped as the
        advanced buckets say."""
        for spec in (task.spec, pool.spec if pool is not None else {}):
            for name in spec.get("resourceBuckets") or []:
                yield from self._bucket_keys(str(name), "", "")
            for advanced in spec.get("advancedResourceBuckets") or []:
                if name := advanced.get("bucketName"):
                    filtering = (advanced.get("filtering") or {}).get("prefixFiltering") or {}
                    change = advanced.get("resourcesTransformation") or {}
                    strip = (change.get("stripPrefix") or {}).get("prefix") or ""
                    yield from self._bucket_keys(str(name), filtering.get("prefix") or "", strip)

    def _bucket_keys(self, bucket: str, prefix: str, strip: str) -> Iterator[str]:
        # A resource bucket that is missing gives the instance nothing, as on Qarnot.
        try:
            keys = list(self._keys(bucket, prefix))
        except Exception as exc:
            _log.warning("emulator: resource bucket %s not read: %s", bucket, exc)
            return
        for key in keys:
            yield key[len(strip) :] if strip and key.startswith(strip) else key


_session_lock = threading.Lock()
_session: Any = None


def _botocore_client(**options: Any) -> Any:
    """A botocore client from one session for the process: it parses its models once,
    not per emulator; the lock serializes client creation (sessions are not
    thread-safe, and emulators may run in threads of their own)."""
    global _session
    with _session_lock:
        if _session is None:
            import botocore.session

            _session = botocore.session.get_session()
        return _session.create_client(**options)


def _constant(task: Task, pool: Pool | None, name: str) -> str:
    for constants in (task.constants, pool.constants if pool is not None else []):
        for item in constants:
            if item.get("key") == name and item.get("value"):
                return str(item["value"])
    return ""


def _batches(keys: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
