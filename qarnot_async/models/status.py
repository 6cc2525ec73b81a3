"""Execution status of a task or pool (``QTaskStatusOutput``) and completed instances."""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from ._ranges import InstanceRanges
from ._types import Model, wired
from .common import ApiErrorDetail
from .enums import ExecutionPhase, TaskState

__all__ = [
    "ActiveForward",
    "CompletedInstance",
    "CpuModelExecutionTime",
    "CpuModelExecutionTimeGhz",
    "CpuModelRunningCore",
    "InstanceExecutionTime",
    "MachineSpecificationExecutionTime",
    "RunningInstanceInfo",
    "RunningInstancesInfo",
    "SiteAndMachineExecutionTime",
    "TaskStatus",
    "VpnConnection",
]


@attrs.frozen(kw_only=True)
class ActiveForward(Model):
    """A port of a running instance reachable through a forwarder (``QTaskActiveForwardOutput``)."""

    application_port: int | None = None
    forwarder_port: int | None = None
    forwarder_host: str | None = None
    bind_address: str | None = None


@attrs.frozen(kw_only=True)
class VpnConnection(Model):
    """A VPN a running instance is connected to (``TaskVpnConnectionOutput``)."""

    vpn_name: str | None = None
    node_ip_address_cidr: str | None = wired("nodeIPAddressCidr")


@attrs.frozen(kw_only=True)
class _InstanceRun(Model):
    """What the service says of every instance it runs, running or completed: which
    instance, on which machine, after how many attempts."""

    instance_id: int | None = None
    specification_key: str | None = None
    cpu_model: str | None = None
    core_count: int | None = None
    clock_ratio: float | None = None
    execution_attempt_count: int | None = None


@attrs.frozen(kw_only=True)
class RunningInstanceInfo(_InstanceRun):
    """Live figures of one running instance (``QRunningInstanceInfoOutput``)."""

    active_forwards: tuple[ActiveForward, ...] | None = None
    vpn_connections: tuple[VpnConnection, ...] | None = None
    phase: ExecutionPhase | None = None
    max_frequency_ghz: float | None = wired("maxFrequencyGHz")
    current_frequency_ghz: float | None = wired("currentFrequencyGHz")
    cpu_usage: float | None = None
    max_memory_mb: int | None = wired("maxMemoryMB")
    current_memory_mb: int | None = wired("currentMemoryMB")
    memory_usage: float | None = None
    network_in_kbps: float | None = None
    network_out_kbps: float | None = None
    progress: float | None = None
    execution_time_sec: float | None = None
    execution_time_ghz: float | None = wired("executionTimeGHz")


@attrs.frozen(kw_only=True)
class _PerCpuModel(Model):
    """What every per-CPU-model figure is keyed by: the model and its core count."""

    model: str | None = None
    core: int | None = None


@attrs.frozen(kw_only=True)
class CpuModelRunningCore(_PerCpuModel):
    """Cores running per CPU model (``CpuModelRunningCore``)."""

    running_core_count: int | None = wired("runningCorecount")


@attrs.frozen(kw_only=True)
class RunningInstancesInfo(Model):
    """Live figures of all running instances (``QRunningInstancesInfoOutput``)."""

    per_running_instance_info: tuple[RunningInstanceInfo, ...] | None = None
    snapshot_results: tuple[str, ...] | None = None
    timestamp: datetime | None = None
    average_frequency_ghz: float | None = wired("averageFrequencyGHz")
    max_frequency_ghz: float | None = wired("maxFrequencyGHz")
    min_frequency_ghz: float | None = wired("minFrequencyGHz")
    average_max_frequency_ghz: float | None = wired("averageMaxFrequencyGHz")
    average_cpu_usage: float | None = None
    cluster_power_indicator: float | None = None
    average_memory_usage: float | None = None
    average_network_in_kbps: float | None = None
    average_network_out_kbps: float | None = None
    total_network_in_kbps: float | None = None
    total_network_out_kbps: float | None = None
    running_core_count_by_cpu_model: tuple[CpuModelRunningCore, ...] | None = None


@attrs.frozen(kw_only=True)
class CpuModelExecutionTime(_PerCpuModel):
    """Execution time per CPU model (``CpuModelExecutionTimeOutput``)."""

    time: float | None = None


@attrs.frozen(kw_only=True)
class CpuModelExecutionTimeGhz(_PerCpuModel):
    """Execution time in GHz·s per CPU model (``CpuModelExecutionTimeGhzOutput``)."""

    time_ghz: float | None = None
    clock_ratio: float | None = None


@attrs.frozen(kw_only=True)
class _MachineTime(Model):
    """Execution time spent on one machine specification."""

    specification_key: str | None = None
    time: float | None = None


@attrs.frozen(kw_only=True)
class MachineSpecificationExecutionTime(_MachineTime):
    """Execution time per machine specification (``TimeByMachineSpecificationOutput``)."""


@attrs.frozen(kw_only=True)
class _SiteMachineTime(_MachineTime):
    """Execution time spent on one machine specification of one site."""

    site_uuid: str | None = None


@attrs.frozen(kw_only=True)
class SiteAndMachineExecutionTime(_SiteMachineTime):
    """Execution time per site and machine (``TimeBySiteAndMachineOutput``)."""


@attrs.frozen(kw_only=True)
class InstanceExecutionTime(_SiteMachineTime):
    """Execution time of one instance (``TimeByInstanceOutput``)."""

    instance_id: int | None = None
    time_ghz: float | None = None
    clock_ratio: float | None = None


@attrs.frozen(kw_only=True)
class TaskStatus(Model):
    """Progress and timings of a task or pool (``QTaskStatusOutput``).

    The ``*_range`` attributes are :class:`InstanceRanges` (``"0-2,4"`` on the wire).
    """

    timestamp: datetime | None = None
    last_update_timestamp: datetime | None = None
    download_progress: float | None = None
    execution_progress: float | None = None
    upload_progress: float | None = None
    instance_count: int | None = None
    download_time: timedelta | None = None
    download_time_sec: float | None = None
    environment_time: timedelta | None = None
    environment_time_sec: float | None = None
    execution_time: timedelta | None = None
    execution_time_sec: float | None = None
    execution_time_by_cpu_model: tuple[CpuModelExecutionTime, ...] | None = None
    execution_time_by_machine_specification: (
        tuple[MachineSpecificationExecutionTime, ...] | None
    ) = None
    execution_time_by_site_and_machine: tuple[SiteAndMachineExecutionTime, ...] | None = None
    execution_time_by_instance_id: tuple[InstanceExecutionTime, ...] | None = None
    execution_time_ghz_by_cpu_model: tuple[CpuModelExecutionTimeGhz, ...] | None = None
    upload_time: timedelta | None = None
    upload_time_sec: float | None = None
    wall_time: timedelta | None = None
    wall_time_sec: float | None = None
    succeeded_range: InstanceRanges | None = None
    executed_range: InstanceRanges | None = None
    failed_range: InstanceRanges | None = None
    cancelled_range: InstanceRanges | None = None
    failed_only_range: InstanceRanges | None = None
    started_once_range: InstanceRanges | None = None
    running_instances_info: RunningInstancesInfo | None = None


@attrs.frozen(kw_only=True)
class CompletedInstance(_InstanceRun):
    """One finished instance of a task (``CompletedFrameOutput``)."""

    results: tuple[str, ...] | None = None
    wall_time_sec: float | None = None
    exec_time_sec: float | None = None
    exec_time_sec_ghz: float | None = wired("execTimeSecGHz")
    peak_memory_mb: int | None = wired("peakMemoryMB")
    state: TaskState | None = None
    error: ApiErrorDetail | None = None
    average_ghz: float | None = wired("averageGHz")
