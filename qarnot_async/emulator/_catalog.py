"""Static catalogue: profiles, hardware constraints, machine, API versions.

The real catalogue depends on the account; this one is small, stable and enough to
exercise every shape (profiles with constants and licenses, 60+ hardware constraints so
that offset pages of 50 really page).
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "CORES_PER_INSTANCE",
    "CPU_MODEL",
    "HARDWARE_CONSTRAINTS",
    "MAX_FREQUENCY_GHZ",
    "MEMORY_MB",
    "PROFILES",
    "SPECIFICATION_KEY",
    "VERSIONS",
]

#: Every emulated instance runs on this machine.
CPU_MODEL: Final = "AMD Ryzen 7 3700X 8-Core Processor"
SPECIFICATION_KEY: Final = "8c-32g-amd-rz3700x"
CORES_PER_INSTANCE: Final = 8
MAX_FREQUENCY_GHZ: Final = 4.0
CLOCK_RATIO: Final = 0.925
MEMORY_MB: Final = 32_768


def _constant(name: str, value: str, description: str) -> dict[str, Any]:
    return {"name": name, "value": value, "description": description}


_EMULATOR_CONSTANTS = [
    _constant("EMULATOR_DURATION", "30", "Emulator only: seconds each instance runs."),
    _constant("EMULATOR_FAIL_INSTANCES", "", "Emulator only: instance ids that fail, e.g. '1,3'."),
]

#: name -> QProfile (wire shape).
PROFILES: Final[dict[str, dict[str, Any]]] = {
    "docker-batch": {
        "name": "docker-batch",
        "constants": [
            _constant("DOCKER_REPO", "library/ubuntu", "Docker repository to pull."),
            _constant("DOCKER_TAG", "latest", "Tag of the image."),
            _constant("DOCKER_CMD", "echo hello", "Command run in the container."),
            *_EMULATOR_CONSTANTS,
        ],
        "licenses": [],
    },
    "docker-network": {
        "name": "docker-network",
        "constants": [
            _constant("DOCKER_REPO", "library/ubuntu", "Docker repository to pull."),
            _constant("DOCKER_TAG", "latest", "Tag of the image."),
            _constant("DOCKER_CMD", "echo hello", "Command run in the container."),
            _constant("DOCKER_HOST", "", "Host name inside the network."),
            *_EMULATOR_CONSTANTS,
        ],
        "licenses": [],
    },
    "docker-nvidia-batch": {
        "name": "docker-nvidia-batch",
        "constants": [
            _constant("DOCKER_REPO", "nvidia/cuda", "Docker repository to pull."),
            _constant("DOCKER_TAG", "latest", "Tag of the image."),
            _constant("DOCKER_CMD", "nvidia-smi", "Command run in the container."),
            *_EMULATOR_CONSTANTS,
        ],
        "licenses": [],
    },
    "blender": {
        "name": "blender",
        "constants": [
            _constant("BLEND_FILE", "undefined.blend", "The .blend file to render."),
            _constant("BLEND_FORMAT", "PNG", "Output image format."),
            _constant("BLEND_ENGINE", "CYCLES", "Render engine."),
            *_EMULATOR_CONSTANTS,
        ],
        "licenses": [],
    },
    "python": {
        "name": "python",
        "constants": [
            _constant("PYTHON_SCRIPT", "main.py", "Script to run."),
            _constant("PYTHON_VERSION", "3.11", "Interpreter version."),
            *_EMULATOR_CONSTANTS,
        ],
        "licenses": [],
    },
    "ansys-fluent": {
        "name": "ansys-fluent",
        "constants": [
            _constant("FLUENT_JOURNAL", "run.jou", "Journal file to play."),
            _constant("FLUENT_VERSION", "2023R2", "Fluent version."),
            *_EMULATOR_CONSTANTS,
        ],
        "licenses": [{"name": "ansys-fluent", "maxInstances": 4, "maxCores": 64}],
    },
}


def _hardware_catalogue() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for cores in (2, 4, 8, 16, 32, 64):
        items.append({"discriminator": "MinimumCoreHardwareConstraint", "coreCount": cores})
        items.append({"discriminator": "MaximumCoreHardwareConstraint", "coreCount": cores})
    for memory in (2048, 4096, 8192, 16384, 32768, 65536, 131072):
        items.append({"discriminator": "MinimumRamHardwareConstraint", "minimumMemoryMB": memory})
        items.append({"discriminator": "MaximumRamHardwareConstraint", "maximumMemoryMB": memory})
    for ratio in (1, 2, 4, 8):
        items.append(
            {
                "discriminator": "MinimumRamCoreRatioHardwareConstraint",
                "minimumMemoryGBCoreRatio": ratio,
            }
        )
        items.append(
            {
                "discriminator": "MaximumRamCoreRatioHardwareConstraint",
                "maximumMemoryGBCoreRatio": ratio,
            }
        )
    for key in (
        SPECIFICATION_KEY,
        "16c-128g-amd-tr2950x",
        "4c-16g-intel-i7-6700",
        "8c-64g-intel-xeon-e5",
        "32c-256g-amd-epyc-7502",
        "6c-32g-nvidia-rtx3060",
    ):
        items.append({"discriminator": "SpecificHardwareConstraint", "specificationKey": key})
    for model in (
        "AMD Ryzen 7 3700X",
        "AMD Ryzen 7 1700X",
        "AMD Ryzen Threadripper 2950X",
        "AMD EPYC 7502",
        "Intel Core i7-6700",
        "Intel Xeon E5-2680 v4",
        "Intel Xeon Gold 6248",
    ):
        items.append({"discriminator": "CpuModelHardwareConstraint", "cpuModel": model})
    for flag in ("SSD", "NoSSD", "Gpu", "NoGpu"):
        items.append({"discriminator": f"{flag}HardwareConstraint"})
    return items


#: The hardware constraints offered to the account (more than one page of 50).
HARDWARE_CONSTRAINTS: Final = _hardware_catalogue()

#: ``GET /versions``.
VERSIONS: Final = [{"version": "v1", "endOfLife": None}]
