"""Checks request bodies the way the service's model binding does.

Keys are matched case-insensitively (ASP.NET binds ``ResultsCacheTTLSec`` and
``resultsCacheTTLSec`` alike, and the official SDK sends the former); ``null`` counts as
absent; unknown keys are ignored. Errors are collected per field and answered together
as ``ValidationProblemDetails``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from ._errors import ValidationErrors
from ._newer import newer_pool_fields, newer_task_fields
from ._wire import WireFormatError, parse_ranges, parse_timespan

__all__ = [
    "Body",
    "SCHEDULING_TYPES",
    "job_fields",
    "pool_fields",
    "task_fields",
]

SCHEDULING_TYPES: Final = ("flex", "onDemand", "reserved")
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


class _Lowered(dict[str, str]):
    """Field names, lower-cased once: a body is read by its lower-cased keys (the
    service matches members case-insensitively), and a creation checks some forty
    names, most of them absent."""

    def __missing__(self, name: str) -> str:
        lowered = name.lower()
        if len(self) < 4096:  # the code's own names; never grows with the input
            self[name] = lowered
        return lowered


_LOWER: Final = _Lowered()


class Body:
    """A JSON object read field by field, recording errors under camelCase names."""

    def __init__(self, raw: dict[str, Any], errors: ValidationErrors, prefix: str = "") -> None:
        """Wrap ``raw``; ``prefix`` namespaces error keys (``"policies[0]."``)."""
        self._values = {key.lower(): value for key, value in raw.items()}
        self.errors = errors
        self._prefix = prefix

    @property
    def prefix(self) -> str:
        """The prefix of this object's error keys."""
        return self._prefix

    def present(self, name: str) -> bool:
        """Whether the field is there and not ``null``."""
        return self._values.get(_LOWER[name]) is not None

    def raw(self, name: str) -> Any:
        """The raw value, ``None`` when absent or ``null``."""
        return self._values.get(_LOWER[name])

    def fail(self, name: str, message: str) -> None:
        """Record an error for ``name``."""
        self.errors.add(self._prefix + name, message)

    def string(self, name: str, *, required: bool = False, nonempty: bool = False) -> str | None:
        """A string field."""
        value = self.raw(name)
        if value is None:
            if required:
                self.fail(name, f"The {name} field is required.")
            return None
        if not isinstance(value, str):
            self.fail(name, f"The {name} field must be a string.")
            return None
        if (required or nonempty) and not value.strip():
            self.fail(name, f"The {name} field must not be empty.")
            return None
        return value

    def integer(self, name: str, *, minimum: int | None = None) -> int | None:
        """An integer field (booleans and floats refused)."""
        value = self.raw(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"The {name} field must be an integer.")
            return None
        if minimum is not None and value < minimum:
            self.fail(name, f"The {name} field must be at least {minimum}.")
            return None
        if value > 2**31 - 1:
            self.fail(name, f"The {name} field is too large.")
            return None
        return value

    def number(self, name: str, *, minimum: float | None = None) -> float | None:
        """A number field."""
        value = self.raw(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(name, f"The {name} field must be a number.")
            return None
        if minimum is not None and value < minimum:
            self.fail(name, f"The {name} field must be at least {minimum}.")
            return None
        return float(value)

    def boolean(self, name: str) -> bool | None:
        """A boolean field."""
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(name, f"The {name} field must be a boolean.")
            return None
        return value

    def timespan(self, name: str, *, positive: bool = False) -> float | None:
        """A ``<date-span>`` field, in seconds."""
        value = self.raw(name)
        if value is None:
            return None
        try:
            seconds = parse_timespan(value)
        except WireFormatError as exc:
            self.fail(name, f"The {name} field is not a valid TimeSpan: {exc}.")
            return None
        if seconds < 0 or (positive and seconds == 0):
            sign = "positive" if positive else "non-negative"
            self.fail(name, f"The {name} field must be a {sign} TimeSpan.")
            return None
        return seconds

    def uuid(self, name: str) -> str | None:
        """A ``format: uuid`` field, lower-cased."""
        value = self.string(name)
        if value is None:
            return None
        if not _UUID_RE.match(value):
            self.fail(name, f"The {name} field must be a UUID.")
            return None
        return value.lower()

    def strings(self, name: str) -> list[str] | None:
        """An array of strings."""
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(name, f"The {name} field must be an array of strings.")
            return None
        return list(value)

    def obj(self, name: str) -> dict[str, Any] | None:
        """A JSON object field."""
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.fail(name, f"The {name} field must be an object.")
            return None
        return value

    def objects(self, name: str, check: Callable[[Body], None] | None = None) -> list[Any] | None:
        """An array of objects, each optionally checked with ``check``."""
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.fail(name, f"The {name} field must be an array of objects.")
            return None
        if check is not None:
            for index, item in enumerate(value):
                check(Body(item, self.errors, f"{self._prefix}{name}[{index}]."))
        return list(value)

    def key_values(self, name: str) -> list[dict[str, Any]] | None:
        """An array of ``{key, value}`` (``KeyValue``)."""

        def check(item: Body) -> None:
            item.string("key", required=True)
            item.string("value")

        items = self.objects(name, check)
        if items is None:
            return None
        lowered = [{k.lower(): v for k, v in item.items()} for item in items]
        return [{"key": item.get("key"), "value": item.get("value")} for item in lowered]

    def labels(self, name: str) -> dict[str, str] | None:
        """A ``{string: string}`` object."""
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, dict) or not all(
            isinstance(v, str) or v is None for v in value.values()
        ):
            self.fail(name, f"The {name} field must be an object of strings.")
            return None
        return {str(k): ("" if v is None else v) for k, v in value.items()}

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        """A string among ``choices`` (matched case-insensitively, returned canonical)."""
        value = self.string(name)
        if value is None:
            return None
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
        self.fail(name, f"The {name} field must be one of: {', '.join(choices)}.")
        return None


def _retry_settings(body: Body) -> None:
    body.integer("maxTotalRetries", minimum=0)
    body.integer("maxPerInstanceRetries", minimum=0)


def _hardware_constraint(body: Body) -> None:
    body.string("discriminator", required=True)


# Fields that only need a type check before being echoed back in outputs.
_ECHO_STRING = (
    "resultBucket",
    "snapshotWhitelist",
    "snapshotBlacklist",
    "snapshotBucket",
    "snapshotBucketPrefix",
    "resultsWhitelist",
    "resultsBlacklist",
    "resultsBucket",
    "resultsBucketPrefix",
    "targetedReservedMachineKey",
)
_ECHO_BOOL = ("waitForPoolResourcesSynchronization", "uploadResultsOnCancellation")
_ECHO_COUNT = ("resultsCacheTTLSec", "defaultResourcesCacheTTLSec")


def _names(body: Body, out: dict[str, Any], *, creating: bool) -> None:
    name = body.string("name", required=creating, nonempty=True)
    if name is not None:
        out["name"] = name
    if body.present("shortname"):
        shortname = body.string("shortname", nonempty=True)
        if shortname is not None:
            out["shortname"] = shortname


def _common_fields(body: Body, out: dict[str, Any]) -> None:
    for name, value in (
        ("tags", body.strings("tags")),
        ("labels", body.labels("labels")),
        ("constants", body.key_values("constants")),
        ("constraints", body.key_values("constraints")),
        ("autoDeleteOnCompletion", body.boolean("autoDeleteOnCompletion")),
        ("completionTimeToLive", body.timespan("completionTimeToLive")),
        ("schedulingType", body.choice("schedulingType", SCHEDULING_TYPES)),
        ("hardwareConstraints", body.objects("hardwareConstraints", _hardware_constraint)),
        ("forcedConstants", body.objects("forcedConstants")),
        ("secretsAccessRights", body.obj("secretsAccessRights")),
        ("resourceBuckets", body.strings("resourceBuckets")),
        ("advancedResourceBuckets", body.objects("advancedResourceBuckets")),
        ("privileges", body.obj("privileges")),
    ):
        if value is not None:
            out[name] = value


def task_fields(raw: dict[str, Any], errors: ValidationErrors, *, creating: bool) -> dict[str, Any]:
    """Check a ``TaskCreationInput`` (``creating``) or a clone/retry input.

    Returns only the fields present, with instance ranges expanded
    (``instanceIds``) and durations in seconds.
    """
    body = Body(raw, errors)
    out: dict[str, Any] = {}
    _names(body, out, creating=creating)
    _common_fields(body, out)
    for name in ("profile",):
        if body.present(name):
            value = body.string(name, nonempty=True)
            if value is not None:
                out[name] = value
    for name in ("poolUuid", "jobUuid"):
        value = body.uuid(name)
        if value is not None:
            out[name] = value
    count = body.integer("instanceCount", minimum=1)
    ranges_text = body.string("advancedRanges")
    if body.present("instanceCount") and body.present("advancedRanges"):
        message = "instanceCount and advancedRanges cannot both be set."
        body.fail("instanceCount", message)
        body.fail("advancedRanges", message)
    elif ranges_text is not None:
        try:
            out["instanceIds"] = parse_ranges(ranges_text)
            out["advancedRanges"] = ranges_text.replace(" ", "")
        except WireFormatError as exc:
            body.fail("advancedRanges", f"The advancedRanges field is invalid: {exc}.")
    elif count is not None:
        if count > 100_000:
            body.fail("instanceCount", "The instanceCount field must be at most 100000.")
        else:
            out["instanceIds"] = tuple(range(count))
    elif creating and not body.present("instanceCount"):
        body.fail("instanceCount", "Either instanceCount or advancedRanges is required.")
    retries = body.integer("maxRetriesPerInstance", minimum=0)
    if retries is not None:
        out["maxRetriesPerInstance"] = retries
    interval = body.integer("snapshotInterval", minimum=0)
    if interval is not None:
        out["snapshotInterval"] = interval
    dependencies = body.obj("dependencies")
    if dependencies is not None:
        depends_on = Body(dependencies, errors, "dependencies.").strings("dependsOn")
        if depends_on is not None:
            bad = [item for item in depends_on if not _UUID_RE.match(item)]
            if bad:
                body.fail("dependencies.dependsOn", f"Not a UUID: {', '.join(bad)}.")
            else:
                out["dependsOn"] = [item.lower() for item in depends_on]
    retry_settings = body.obj("retrySettings")
    if retry_settings is not None:
        _retry_settings(Body(retry_settings, errors, "retrySettings."))
        out["retrySettings"] = retry_settings
    for name in _ECHO_STRING:
        value = body.string(name)
        if value is not None:
            out[name] = value
    for name in _ECHO_BOOL:
        flag = body.boolean(name)
        if flag is not None:
            out[name] = flag
    for name in _ECHO_COUNT:
        number = body.integer(name, minimum=0)
        if number is not None:
            out[name] = number
    newer_task_fields(body, out)
    return out


def pool_fields(raw: dict[str, Any], errors: ValidationErrors, *, creating: bool) -> dict[str, Any]:
    """Check a ``PoolCreationInput`` (``creating``) or a ``PoolCloneInput``."""
    body = Body(raw, errors)
    out: dict[str, Any] = {}
    _names(body, out, creating=creating)
    _common_fields(body, out)
    profile = body.string("profile", required=creating, nonempty=True)
    if profile is not None:
        out["profile"] = profile
    count = body.integer("instanceCount", minimum=0)
    if count is not None:
        out["instanceCount"] = count
    elastic = body.obj("elasticProperty")
    if elastic is not None:
        out["elasticProperty"] = elastic_fields(Body(elastic, errors, "elasticProperty."))
    if body.present("scaling"):
        scaling = body.obj("scaling")
        if scaling is not None:
            out["scaling"] = scaling
    preparation = body.obj("preparationTask")
    if preparation is not None:
        Body(preparation, errors, "preparationTask.").string("commandLine")
        out["preparationTask"] = {"commandLine": preparation.get("commandLine")}
    wait = body.boolean("taskDefaultWaitForPoolResourcesSynchronization")
    if wait is not None:
        out["taskDefaultWaitForPoolResourcesSynchronization"] = wait
    retry_settings = body.obj("defaultRetrySettings")
    if retry_settings is not None:
        _retry_settings(Body(retry_settings, errors, "defaultRetrySettings."))
        out["defaultRetrySettings"] = retry_settings
    for name in ("targetedReservedMachineKey",):
        value = body.string(name)
        if value is not None:
            out[name] = value
    ttl = body.integer("defaultResourcesCacheTTLSec", minimum=0)
    if ttl is not None:
        out["defaultResourcesCacheTTLSec"] = ttl
    newer_pool_fields(body, out)
    return out


def elastic_fields(body: Body) -> dict[str, Any]:
    """Check an ``ElasticPropertyInput``; returns it with defaults filled in."""
    out = {
        "isElastic": body.boolean("isElastic") or False,
        "minTotalSlots": body.integer("minTotalSlots", minimum=0) or 0,
        "maxTotalSlots": body.integer("maxTotalSlots", minimum=0) or 0,
        "minIdleSlots": body.integer("minIdleSlots", minimum=0) or 0,
        "resizePeriod": body.integer("resizePeriod", minimum=0) or 90,
        "rampResizeFactor": body.number("rampResizeFactor", minimum=0) or 0.0,
        "minIdleTimeSeconds": body.integer("minIdleTimeSeconds", minimum=0) or 0,
    }
    if out["isElastic"] and out["maxTotalSlots"] < out["minTotalSlots"]:
        body.fail("maxTotalSlots", "The maxTotalSlots field must be at least minTotalSlots.")
    return out


def job_fields(raw: dict[str, Any], errors: ValidationErrors) -> dict[str, Any]:
    """Check a ``JobCreationInput``."""
    body = Body(raw, errors)
    out: dict[str, Any] = {}
    _names(body, out, creating=True)
    pool = body.uuid("poolUuid")
    if pool is not None:
        out["poolUuid"] = pool
    for name, value in (
        ("useDependencies", body.boolean("useDependencies")),
        ("tags", body.strings("tags")),
        ("maxWallTime", body.timespan("maxWallTime")),
        ("autoDeleteOnCompletion", body.boolean("autoDeleteOnCompletion")),
        ("completionTimeToLive", body.timespan("completionTimeToLive")),
    ):
        if value is not None:
            out[name] = value
    return out
