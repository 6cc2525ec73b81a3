"""Every attribute maps to the wire name the API contract gives it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

import qarnot_async.models as models
from qarnot_async._converter import also_names, structure, unstructure, wire_attributes, wire_name
from qarnot_async.models import (
    CpuModelRunningCore,
    InstanceExecutionTime,
    MinimumRamConstraint,
    MinimumRamCoreRatioConstraint,
    ResourcesBucket,
    RunningInstanceInfo,
    Task,
    VpnConnection,
)
from qarnot_async.models.hardware import UnknownHardwareConstraint
from qarnot_async.models.scaling import UnknownScalingPolicy, UnknownTimePeriod

# The members of each schema of openapi.json (``components/schemas``) that the model
# maps, plus what the API reference adds to them (``constraints`` and ``priority`` on
# the creation inputs, ``reservedQuotas`` on the user). Discriminators are left out:
# they are class-level, not attributes. A dotted wire name counts by its first part.
# Each entry lists the members separated by spaces.
SCHEMA_MEMBERS: dict[str, str] = {
    "ActiveForward": "applicationPort bindAddress forwarderHost forwarderPort",
    "AlwaysPeriod": "name",
    "ApiErrorDetail": "code debug message",
    "ApiVersion": "endOfLife version",
    "ClusterInfo": "clusterCoresCount",
    "CompletedInstance": (
        "averageGHz clockRatio coreCount cpuModel error execTimeSec execTimeSecGHz "
        "executionAttemptCount instanceId peakMemoryMB results specificationKey state "
        "wallTimeSec"
    ),
    "ComputingQuotas": "user",
    "CpuModelConstraint": "cpuModel",
    "CpuModelExecutionTime": "core model time",
    "CpuModelExecutionTimeGhz": "clockRatio core model timeGhz",
    "CpuModelRunningCore": "core model runningCorecount",
    "DataDetailRequest": "filter maximumResults select",
    "Dependencies": "dependsOn",
    "ElasticProperty": (
        "isElastic maxTotalSlots minIdleSlots minIdleTimeSeconds minTotalSlots "
        "rampResizeFactor resizePeriod"
    ),
    "FixedScalingPolicy": "enabledPeriods name slotsCount",
    "ForcedConstant": "access constantName forceExportInEnvironment forcedValue",
    "GpuConstraint": "",
    "HardwareConstraint": "",
    "IdResponse": "uuid",
    "InstanceExecutionTime": "clockRatio instanceId siteUuid specificationKey time timeGhz",
    "Job": (
        "autoDeleteOnCompletion completionTimeToLive creationDate lastModified maxWallTime "
        "name poolUuid previousState previousStateTransitionTime shortname state "
        "stateTransitionTime tags useDependencies uuid"
    ),
    "JobCreate": (
        "autoDeleteOnCompletion completionTimeToLive maxWallTime name poolUuid shortname tags "
        "useDependencies"
    ),
    "MachineSpecificationExecutionTime": "specificationKey time",
    "ManagedTasksQueueScalingPolicy": (
        "enabledPeriods maxTotalSlots minIdleSlots minIdleTimeSeconds minTotalSlots name "
        "scalingFactor"
    ),
    "MaximumCoreConstraint": "coreCount",
    "MaximumRamConstraint": "maximumMemoryMB",
    "MaximumRamCoreRatioConstraint": "maximumMemoryGBCoreRatio",
    "MinimumCoreConstraint": "coreCount",
    "MinimumRamConstraint": "minimumMemoryMB",
    "MinimumRamCoreRatioConstraint": "minimumMemoryGBCoreRatio",
    "MultiResponse": "message statusCode uuid",
    "NoGpuConstraint": "",
    "NoSSDConstraint": "",
    "OffsetPage": "data limit offset total",
    "PageRequest": "filter maximumResults orderBy orderType token",
    "PeriodicSnapshot": "blacklist bucket bucketPrefix interval whitelist",
    "Pool": (
        "advancedResourceBuckets autoDeleteOnCompletion completionTimeToLive constants "
        "creationDate defaultRetrySettings elasticProperty endDate errors executionTime "
        "hardwareConstraints instanceCount labels lastModified name poolUsage preparationTask "
        "previousState previousStateTransitionTime privileges profile "
        "queuedOrRunningTaskInstancesCount resourceBuckets runningCoreCount "
        "runningInstanceCount scaling schedulingType secretsAccessRights shortname state "
        "stateTransitionTime status tags targetRunningInstanceCount "
        "targetedReservedMachineKey taskDefaultWaitForPoolResourcesSynchronization "
        "totalSlotCapacity uuid wallTime"
    ),
    "PoolClone": (
        "advancedResourceBuckets autoDeleteOnCompletion completionTimeToLive constants "
        "constraints defaultResourcesCacheTTLSec defaultRetrySettings elasticProperty "
        "forcedConstants hardwareConstraints instanceCount labels name preparationTask "
        "priority privileges profile resourceBuckets scaling schedulingType "
        "secretsAccessRights shortname tags targetedReservedMachineKey "
        "taskDefaultWaitForPoolResourcesSynchronization"
    ),
    "PoolCreate": (
        "advancedResourceBuckets autoDeleteOnCompletion completionTimeToLive constants "
        "constraints defaultResourcesCacheTTLSec defaultRetrySettings elasticProperty "
        "forcedConstants hardwareConstraints instanceCount labels name preparationTask "
        "priority privileges profile resourceBuckets scaling schedulingType "
        "secretsAccessRights shortname tags targetedReservedMachineKey "
        "taskDefaultWaitForPoolResourcesSynchronization"
    ),
    "PoolSummary": (
        "creationDate endDate executionTime instanceCount lastModified name previousState "
        "previousStateTransitionTime profile queuedOrRunningTaskInstancesCount "
        "runningCoreCount runningInstanceCount shortname state stateTransitionTime "
        "targetRunningInstanceCount taskDefaultWaitForPoolResourcesSynchronization uuid "
        "wallTime"
    ),
    "PoolUpdate": "constants constraints elasticProperty scaling tags",
    "PreparationTask": "commandLine",
    "Privileges": "exportApiAndStorageCredentialsInEnvironment",
    "Profile": "constants licenses name",
    "ProfileConstant": "description name value",
    "ProfileLicense": "maxCores maxInstances name",
    "ReservedQuota": "machineKey maxCores maxInstances runningCoreCount runningInstancesCount",
    "ResourcesBucket": "bucketName cacheTTLSec filtering resourcesTransformation",
    "RetrySettings": "maxPerInstanceRetries maxTotalRetries",
    "RunningInstanceInfo": (
        "activeForwards clockRatio coreCount cpuModel cpuUsage currentFrequencyGHz "
        "currentMemoryMB executionAttemptCount executionTimeGHz executionTimeSec instanceId "
        "maxFrequencyGHz maxMemoryMB memoryUsage networkInKbps networkOutKbps phase progress "
        "specificationKey vpnConnections"
    ),
    "RunningInstancesInfo": (
        "averageCpuUsage averageFrequencyGHz averageMaxFrequencyGHz averageMemoryUsage "
        "averageNetworkInKbps averageNetworkOutKbps clusterPowerIndicator maxFrequencyGHz "
        "minFrequencyGHz perRunningInstanceInfo runningCoreCountByCpuModel snapshotResults "
        "timestamp totalNetworkInKbps totalNetworkOutKbps"
    ),
    "SSDConstraint": "",
    "Scaling": "activePolicyName policies",
    "ScalingPolicy": "enabledPeriods name",
    "SchedulingQuota": "maxCores maxInstances runningCoreCount runningInstancesCount",
    "SiteAndMachineExecutionTime": "siteUuid specificationKey time",
    "SpecificHardwareConstraint": "specificationKey",
    "Task": (
        "advancedRanges advancedResourceBuckets autoDeleteOnCompletion clusterInfo "
        "completedInstances completionTimeToLive constants creationDate dependencies endDate "
        "errors executionTime hardwareConstraints instanceCount jobUuid labels lastModified "
        "maxRetriesPerInstance name poolUuid previousState previousStateTransitionTime "
        "privileges profile progress resourceBuckets resultBucket resultsBlacklist "
        "resultsBucket resultsBucketPrefix resultsCacheTTLSec resultsCount resultsWhitelist "
        "retrySettings runningCoreCount runningInstanceCount schedulingType "
        "secretsAccessRights shortname snapshotBlacklist snapshotBucket snapshotBucketPrefix "
        "snapshotInterval snapshotWhitelist state stateTransitionTime status tags "
        "targetedReservedMachineKey totalInstanceCount uploadResultsOnCancellation uuid "
        "waitForPoolResourcesSynchronization wallTime"
    ),
    "TaskClone": (
        "advancedRanges advancedResourceBuckets autoDeleteOnCompletion completionTimeToLive "
        "constants constraints defaultResourcesCacheTTLSec dependencies forcedConstants "
        "hardwareConstraints instanceCount jobUuid labels maxRetriesPerInstance name priority "
        "privileges profile resourceBuckets resultBucket resultsBlacklist resultsBucket "
        "resultsBucketPrefix resultsCacheTTLSec resultsWhitelist retrySettings schedulingType "
        "secretsAccessRights shortname snapshotBlacklist snapshotBucket snapshotBucketPrefix "
        "snapshotInterval snapshotWhitelist tags targetedReservedMachineKey "
        "uploadResultsOnCancellation waitForPoolResourcesSynchronization"
    ),
    "TaskCreate": (
        "advancedRanges advancedResourceBuckets autoDeleteOnCompletion completionTimeToLive "
        "constants constraints defaultResourcesCacheTTLSec dependencies forcedConstants "
        "hardwareConstraints instanceCount jobUuid labels maxRetriesPerInstance name poolUuid "
        "priority privileges profile resourceBuckets resultBucket resultsBlacklist "
        "resultsBucket resultsBucketPrefix resultsCacheTTLSec resultsWhitelist retrySettings "
        "schedulingType secretsAccessRights shortname snapshotBlacklist snapshotBucket "
        "snapshotBucketPrefix snapshotInterval snapshotWhitelist tags "
        "targetedReservedMachineKey uploadResultsOnCancellation "
        "waitForPoolResourcesSynchronization"
    ),
    "TaskRecover": (
        "advancedResourceBuckets autoDeleteOnCompletion completionTimeToLive constants "
        "constraints defaultResourcesCacheTTLSec dependencies forcedConstants "
        "hardwareConstraints jobUuid labels maxRetriesPerInstance name priority privileges "
        "profile resourceBuckets resultBucket resultsBlacklist resultsBucket "
        "resultsBucketPrefix resultsCacheTTLSec resultsWhitelist retrySettings schedulingType "
        "secretsAccessRights shortname snapshotBlacklist snapshotBucket snapshotBucketPrefix "
        "snapshotInterval snapshotWhitelist tags targetedReservedMachineKey "
        "uploadResultsOnCancellation waitForPoolResourcesSynchronization"
    ),
    "TaskResume": (
        "advancedResourceBuckets autoDeleteOnCompletion completionTimeToLive constants "
        "constraints defaultResourcesCacheTTLSec dependencies forcedConstants "
        "hardwareConstraints jobUuid labels maxRetriesPerInstance name priority privileges "
        "profile resourceBuckets resultBucket resultsBlacklist resultsBucket "
        "resultsBucketPrefix resultsCacheTTLSec resultsWhitelist retrySettings schedulingType "
        "secretsAccessRights shortname snapshotBlacklist snapshotBucket snapshotBucketPrefix "
        "snapshotInterval snapshotWhitelist tags targetedReservedMachineKey "
        "uploadResultsOnCancellation waitForPoolResourcesSynchronization"
    ),
    "TaskRetry": (
        "advancedResourceBuckets autoDeleteOnCompletion completionTimeToLive constants "
        "constraints defaultResourcesCacheTTLSec dependencies forcedConstants "
        "hardwareConstraints jobUuid labels maxRetriesPerInstance name priority privileges "
        "profile resourceBuckets resultBucket resultsBlacklist resultsBucket "
        "resultsBucketPrefix resultsCacheTTLSec resultsWhitelist retrySettings schedulingType "
        "secretsAccessRights shortname snapshotBlacklist snapshotBucket snapshotBucketPrefix "
        "snapshotInterval snapshotWhitelist tags targetedReservedMachineKey "
        "uploadResultsOnCancellation waitForPoolResourcesSynchronization"
    ),
    "TaskStatus": (
        "cancelledRange downloadProgress downloadTime downloadTimeSec environmentTime "
        "environmentTimeSec executedRange executionProgress executionTime "
        "executionTimeByCpuModel executionTimeByInstanceId "
        "executionTimeByMachineSpecification executionTimeBySiteAndMachine "
        "executionTimeGhzByCpuModel executionTimeSec failedOnlyRange failedRange "
        "instanceCount lastUpdateTimestamp runningInstancesInfo startedOnceRange "
        "succeededRange timestamp uploadProgress uploadTime uploadTimeSec wallTime "
        "wallTimeSec"
    ),
    "TaskSummary": (
        "advancedRanges clusterInfo creationDate endDate executionTime instanceCount jobUuid "
        "lastModified maxRetriesPerInstance name poolUuid previousState "
        "previousStateTransitionTime profile progress runningCoreCount runningInstanceCount "
        "shortname state stateTransitionTime totalInstanceCount uuid "
        "waitForPoolResourcesSynchronization wallTime"
    ),
    "TaskUpdate": "constants constraints tags",
    "TimePeriod": "name",
    "TokenPage": "count data isTruncated nextToken total",
    "UniqueSnapshot": "blacklist bucket bucketPrefix whitelist",
    "UserComputingQuotas": "flex onDemand reserved",
    "UserInfo": (
        "computingQuotas defaultReservedSpecificationKey defaultScheduling email jobCount "
        "maxBucket maxCores maxFlexCores maxFlexInstances maxInstances maxJob "
        "maxOnDemandCores maxOnDemandInstances maxPool maxRunningPool maxRunningTask maxTask "
        "poolCount quotaBytes quotaBytesBucket reservedQuotas runningCoreCount "
        "runningInstanceCount runningPoolCount runningTaskCount taskCount usedQuotaBytes "
        "usedQuotaBytesBucket"
    ),
    "VpnConnection": "nodeIPAddressCidr vpnName",
    "WeeklyPeriod": "days endTimeUtc name startTimeUtc",
}

# Members that openapi.json lacks, read from the official SDKs (the facts are in the
# issue's notes, "beyond the seed"): added to an existing schema's members, or every
# member of a model openapi.json has no schema for. CarbonFacts has one
# (GetTaskCarbonFactsResponse, camelCase), but the SDKs read snake_case names: both.
BEYOND_OPENAPI: dict[str, str] = {
    "AdvancedDependency": "actualFinalState state taskFinalStateCondition taskUuid",
    "Budget": (
        "alias budgetOverrunPolicy consumedAmountInCents expirationDateUtc isArchived "
        "remainingAmountInCents startDateUtc totalAmountInCents uuid"
    ),
    "Budgets": "budgets",
    "CarbonFacts": (
        "total_consumed_energy_Wh total_energy_it_Wh total_reused_energy_Wh "
        "qarnot_carbon_footprint equivalent_datacenter_name equivalent_DC_carbon_footprint "
        "saved_carbon_footprint_compute saved_carbon_footprint_heat "
        "saved_carbon_footprint_compute_heat saved_carbon_footprint_percent PUE ERE ERF WUE "
        "totalConsumedEnergyWh totalEnergyITWh totalReuseEnergyWh carbonFootprintC02Eq "
        "comparisonDataCenterName equivalentDCCarbonFootprintC02Eq "
        "savedCarbonFootprintComputeC02Eq savedCarbonFootprintHeatC02Eq "
        "savedCarbonFootprintComputeHeatC02Eq savedCarbonFootprintPercentage pue ere erf wue"
    ),
    "ComputingQuotas": "organization",
    "Credits": "credits",
    "Dependencies": "advancedDependsOn state",
    "ForcedNetworkRule": (
        "applicationType description forwarder inbound name port priority proto publicHost "
        "publicPort to toPayload toQBox"
    ),
    "Job": "endDate profile",
    "MultiSlotsSettings": "slotsPerNode",
    "OrganizationComputingQuotas": "flex name onDemand reserved",
    "OrganizationReservedQuota": (
        "machineKey maxCores maxInstances reservationName runningCoreCount runningCoresCount "
        "runningCountsPerUser runningInstancesCount"
    ),
    "OrganizationSchedulingQuota": (
        "maxCores maxInstances runningCoreCount runningCoresCount runningCountsPerUser "
        "runningInstancesCount"
    ),
    "Pool": (
        "credits forcedNetworkRules maxTimeQueueSeconds multiSlotsSettings projectUuid "
        "targetedReservationName"
    ),
    "PoolClone": (
        "forcedNetworkRules maxTimeQueueSeconds multiSlotsSettings projectUuid "
        "targetedReservationName"
    ),
    "PoolCreate": (
        "forcedNetworkRules maxTimeQueueSeconds multiSlotsSettings projectUuid "
        "targetedReservationName"
    ),
    "Project": "description isDefault name organizationUuid slug uuid",
    "ReservedQuota": "reservationName runningCoresCount",
    "RunningCounts": "runningCoreCount runningCoresCount runningInstancesCount",
    "SchedulingQuota": "runningCoresCount",
    "SecretKeys": "keys",
    "SecretValue": "value",
    "Snapshot": (
        "id lastUpdateDate sizeToUpload snapshotConfig status taskUuid transferredSize triggerDate"
    ),
    "SnapshotId": "id",
    "Task": "forcedNetworkRules maxTimeQueueSeconds projectUuid targetedReservationName",
    "UserInfo": "projects",
}
for _name in ("TaskCreate", "TaskClone", "TaskRetry", "TaskRecover", "TaskResume"):
    BEYOND_OPENAPI[_name] = BEYOND_OPENAPI["Task"]

# Names the camelCase rule alone would get wrong.
IRREGULAR = [
    (RunningInstanceInfo, "max_frequency_ghz", "maxFrequencyGHz"),
    (RunningInstanceInfo, "execution_time_ghz", "executionTimeGHz"),
    (RunningInstanceInfo, "max_memory_mb", "maxMemoryMB"),
    (models.CompletedInstance, "peak_memory_mb", "peakMemoryMB"),
    (models.CompletedInstance, "exec_time_sec_ghz", "execTimeSecGHz"),
    (models.CompletedInstance, "average_ghz", "averageGHz"),
    (ResourcesBucket, "cache_ttl_sec", "cacheTTLSec"),
    (MinimumRamConstraint, "minimum_memory_mb", "minimumMemoryMB"),
    (MinimumRamCoreRatioConstraint, "minimum_memory_gb_core_ratio", "minimumMemoryGBCoreRatio"),
    (CpuModelRunningCore, "running_core_count", "runningCorecount"),
    (VpnConnection, "node_ip_address_cidr", "nodeIPAddressCidr"),
    (InstanceExecutionTime, "time_ghz", "timeGhz"),
    (Task, "results_cache_ttl_sec", "resultsCacheTTLSec"),
    (Task, "running_core_count", "runningCoreCount"),
    (models.TaskCreate, "default_resources_cache_ttl_sec", "defaultResourcesCacheTTLSec"),
]

WIRE = Path(__file__).resolve().parent.parent / "fixtures" / "wire"
UNKNOWN_KINDS = (UnknownHardwareConstraint, UnknownScalingPolicy, UnknownTimePeriod)


def _names(cls: type) -> set[str]:
    names = set()
    for a in wire_attributes(cls):
        if a.name != "raw":
            names.add(wire_name(a).split(".")[0])
            names.update(also_names(a))  # the other spelling read (beyond-the-seed facts)
    return names


@pytest.mark.parametrize("name", sorted(set(SCHEMA_MEMBERS) | set(BEYOND_OPENAPI)))
def test_wire_names_match_the_schema(name: str) -> None:
    expected = set(SCHEMA_MEMBERS.get(name, "").split())
    assert _names(getattr(models, name)) == expected | set(BEYOND_OPENAPI.get(name, "").split())


def test_every_public_model_is_checked() -> None:
    flattened = {"SecretsAccessRights", "Model"}  # lists of one-member objects; the base
    public = {
        n
        for n in models.__all__
        if isinstance(getattr(models, n), type)
        and attrs.has(getattr(models, n))
        and not issubclass(getattr(models, n), UNKNOWN_KINDS)
    }
    assert public - flattened == set(SCHEMA_MEMBERS) | set(BEYOND_OPENAPI)


@pytest.mark.parametrize(("cls", "attribute", "wire"), IRREGULAR)
def test_irregular_names(cls: type, attribute: str, wire: str) -> None:
    field = attrs.fields_dict(cls)[attribute]
    assert wire_name(field) == wire


def _walk(obj: Any, data: Any, path: str, seen: set[type]) -> None:
    """Check each JSON object's members against the model class read from it."""
    if isinstance(obj, UNKNOWN_KINDS):
        return
    if attrs.has(type(obj)):
        assert isinstance(data, dict), path
        seen.add(type(obj))
        allowed = _names(type(obj)) | {"discriminator", "type"}
        unknown = set(data) - allowed
        assert not unknown, f"{path}: members {unknown} map to no attribute of {type(obj)}"
        for a in wire_attributes(type(obj)):
            cur: Any = data
            for part in wire_name(a).split("."):
                cur = cur.get(part) if isinstance(cur, dict) else None
            _walk(getattr(obj, a.name), cur, f"{path}.{wire_name(a)}", seen)
    elif isinstance(obj, tuple | list) and isinstance(data, list):
        for i, (item, raw) in enumerate(zip(obj, data, strict=True)):
            _walk(item, raw, f"{path}.{i}", seen)


def test_fixture_members_all_map_to_attributes() -> None:
    from test_model_roundtrip import FIXTURES

    seen: set[type] = set()
    for name, cls in FIXTURES.items():
        data = json.loads((WIRE / name).read_text())
        _walk(structure(data, cls), data, name, seen)
    # The fixtures exercise most models; the schema table above covers the rest.
    assert len(seen) >= 50


def test_unstructure_uses_the_same_names() -> None:
    instance = RunningInstanceInfo(max_frequency_ghz=4.0, execution_time_ghz=1.5, cpu_usage=0.5)
    assert unstructure(instance) == {
        "maxFrequencyGHz": 4.0,
        "executionTimeGHz": 1.5,
        "cpuUsage": 0.5,
    }
