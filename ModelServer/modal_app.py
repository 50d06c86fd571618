"""Aspire70B on Modal: vLLM's OpenAI server for one deployment profile.

The AppHost writes the profile's deployment spec as JSON (``profile.json`` beside this file, or the path in
``ASPIRE70B_MODAL_SPEC``) from the C# ``Serving`` library: the ``vllm serve`` command line, the GPU and the scaling bounds
are decided there, from the same profile the planner checked, and this module only runs them. Deploy with::

    modal deploy ModelServer/modal_app.py

The served function ``serve`` is defined at module level, as Modal requires of a function it imports (it refuses one
defined inside another function unless it is ``serialized=True``). Modal imports this file twice: on the machine that
deploys (where the spec is the local file) and in every container (where the image carries the spec at
``SPEC_IN_IMAGE`` and ``ASPIRE70B_MODAL_SPEC`` points there).

Without the Modal client installed the module still imports (``app`` is then None), so the spec handling is testable.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
from typing import Any

FORMAT_VERSION = 2
SPEC_ENV = "ASPIRE70B_MODAL_SPEC"
SPEC_IN_IMAGE = "/root/aspire70b-profile.json"

# Pinned with the vLLM release the planner's arithmetic follows (the spec carries the vLLM version itself).
HF_TRANSFER = "hf_transfer==0.1.9"
PYTHON_VERSION = "3.12"

# A GPU string as Modal's guide lists them: a type, '!' (H100 only: never upgraded to an H200) or '+' (B200 only: a
# B300 may serve), then ':N' for N GPUs in one container.
_GPU = re.compile(r"^(?:[A-Z0-9][A-Z0-9-]*|H100!|B200\+)(:[1-8])?$")
_FIELDS: dict[str, type] = {
    "format": int,
    "app_name": str,
    "profile": str,
    "served_model_name": str,
    "gpu": str,
    "vllm_version": str,
    "vllm_command": list,
    "port": int,
    "startup_timeout_seconds": int,
    "scaledown_window_seconds": int,
    "min_containers": int,
    "max_containers": int,
    "max_concurrent_inputs": int,
    "huggingface_secret": str,
    "volumes": dict,
    "requires_proxy_auth": bool,
}


class SpecError(ValueError):
    """The deployment spec is missing, malformed, or not one this module understands."""


def spec_path() -> pathlib.Path:
    """Where the spec is read from: ``ASPIRE70B_MODAL_SPEC``, else ``profile.json`` beside this file."""
    configured = os.environ.get(SPEC_ENV)
    return pathlib.Path(configured) if configured else pathlib.Path(__file__).with_name("profile.json")


def load_spec(path: pathlib.Path) -> dict[str, Any]:
    """Reads and validates a spec file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpecError(
            f"cannot read the deployment spec {path}: {error.strerror}; "
            "write it with 'aspire70b deploy modal --profile NAME' (dotnet run --project Cli -- deploy modal …)"
        ) from error
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError(f"{path} is not valid JSON: {error}") from error
    validate(spec)
    return spec


def validate(spec: Any) -> None:
    """Raises SpecError unless ``spec`` is a complete, consistent spec of the supported format."""
    if not isinstance(spec, dict):
        raise SpecError("the deployment spec must be a JSON object")
    if spec.get("format") != FORMAT_VERSION:
        raise SpecError(f"unsupported spec format {spec.get('format')!r}; this module reads format {FORMAT_VERSION}")
    for name, kind in _FIELDS.items():
        if name not in spec:
            raise SpecError(f"the deployment spec lacks '{name}'")
        value = spec[name]
        # bool is an int in Python: do not let True pass for a number, nor 1 for a flag.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise SpecError(f"'{name}' must be of type {kind.__name__}")
    command = spec["vllm_command"]
    if not all(isinstance(arg, str) for arg in command) or command[:2] != ["vllm", "serve"] or len(command) < 3:
        raise SpecError("'vllm_command' must be a 'vllm serve MODEL ...' argument list of strings")
    if _option(command, "--host") != "0.0.0.0":
        raise SpecError("vLLM must listen on 0.0.0.0 inside the container ('--host 0.0.0.0')")
    if _option(command, "--port") != str(spec["port"]):
        raise SpecError(f"'--port' in 'vllm_command' must match 'port' ({spec['port']})")
    if "--api-key" in command:
        raise SpecError("the API key must not be in the command line; Modal's proxy auth guards the endpoint")
    if not _GPU.match(spec["gpu"]):
        raise SpecError(f"'gpu' {spec['gpu']!r} is not a Modal GPU string such as 'A100-80GB', 'H100!' or 'H100:2'")
    for name in ("port", "startup_timeout_seconds", "scaledown_window_seconds", "max_concurrent_inputs", "max_containers"):
        if spec[name] <= 0:
            raise SpecError(f"'{name}' must be positive")
    if not 0 <= spec["min_containers"] <= spec["max_containers"]:
        raise SpecError("'min_containers' must be between 0 and 'max_containers'")
    for mount, volume in spec["volumes"].items():
        if not mount.startswith("/") or not isinstance(volume, str) or not volume:
            raise SpecError(f"volume {mount!r} must be an absolute path mapped to a volume name")


def _option(command: list[str], name: str) -> str | None:
    """The value after ``name`` in ``command``, or None."""
    try:
        return command[command.index(name) + 1]
    except (ValueError, IndexError):
        return None


def image_packages(spec: dict[str, Any]) -> list[str]:
    """The pip packages of the container image, pinned."""
    return [f"vllm=={spec['vllm_version']}", HF_TRANSFER]


def _client() -> Any:
    """Modal's client, or None where it is not installed."""
    try:
        import modal  # noqa: PLC0415 - imported lazily on purpose
    except ImportError:
        return None
    return modal


modal = _client()
app: Any = None

if modal is not None:
    SPEC_FILE = spec_path()
    SPEC = load_spec(SPEC_FILE)

    image = (
        modal.Image.debian_slim(python_version=PYTHON_VERSION)
        .pip_install(*image_packages(SPEC))
        .env({"HF_HUB_ENABLE_HF_TRANSFER": "1", SPEC_ENV: SPEC_IN_IMAGE})
        .add_local_file(str(SPEC_FILE), SPEC_IN_IMAGE)
    )
    volumes = {mount: modal.Volume.from_name(name, create_if_missing=True) for mount, name in SPEC["volumes"].items()}
    app = modal.App(SPEC["app_name"])

    @app.function(
        image=image,
        gpu=SPEC["gpu"],
        min_containers=SPEC["min_containers"],
        max_containers=SPEC["max_containers"],
        scaledown_window=SPEC["scaledown_window_seconds"],
        timeout=SPEC["startup_timeout_seconds"],
        volumes=volumes,
        secrets=[modal.Secret.from_name(SPEC["huggingface_secret"])],
    )
    @modal.concurrent(max_inputs=SPEC["max_concurrent_inputs"])
    @modal.web_server(
        port=SPEC["port"],
        startup_timeout=SPEC["startup_timeout_seconds"],
        requires_proxy_auth=SPEC["requires_proxy_auth"],
    )
    def serve() -> None:
        """Starts vLLM; Modal waits until the port answers (vLLM's own log shows the load progress)."""
        subprocess.Popen(SPEC["vllm_command"])
