"""Aspire70B on Modal: vLLM's OpenAI server for one deployment profile.

The AppHost writes the profile's deployment spec as JSON (``profile.json`` beside this file, or the path in
``ASPIRE70B_MODAL_SPEC``) from the C# ``Serving`` library: the ``vllm serve`` command line is built there, from the same
profile the planner checked, and this module only runs it. Deploy with::

    modal deploy ModelServer/modal_app.py

Modal is imported lazily, so the spec handling is testable (and importable) without the Modal client installed.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
from typing import Any

FORMAT_VERSION = 1
SPEC_ENV = "ASPIRE70B_MODAL_SPEC"
SPEC_IN_IMAGE = "/root/aspire70b-profile.json"

# Pinned with the vLLM release the planner's arithmetic follows (the spec carries the vLLM version itself).
HF_TRANSFER = "hf_transfer==0.1.9"
PYTHON_VERSION = "3.12"

_GPU = re.compile(r"^[A-Z0-9][A-Z0-9-]*(:[1-8])?$")
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
            "write it with 'dotnet run --project AppHost -- deploy modal --profile NAME'"
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
        raise SpecError(f"'gpu' {spec['gpu']!r} is not a Modal GPU string such as 'A100-80GB' or 'H100:2'")
    for name in ("port", "startup_timeout_seconds", "scaledown_window_seconds", "max_concurrent_inputs"):
        if spec[name] <= 0:
            raise SpecError(f"'{name}' must be positive")
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


def build_app(spec: dict[str, Any], modal: Any, local_spec: pathlib.Path) -> Any:
    """The Modal app serving ``spec``: vLLM's own OpenAI server behind ``@modal.web_server``."""
    image = (
        modal.Image.debian_slim(python_version=PYTHON_VERSION)
        .pip_install(*image_packages(spec))
        .env({"HF_HUB_ENABLE_HF_TRANSFER": "1", SPEC_ENV: SPEC_IN_IMAGE})
        .add_local_file(str(local_spec), SPEC_IN_IMAGE)
    )
    volumes = {mount: modal.Volume.from_name(name, create_if_missing=True) for mount, name in spec["volumes"].items()}
    app = modal.App(spec["app_name"])

    @app.function(
        image=image,
        gpu=spec["gpu"],
        scaledown_window=spec["scaledown_window_seconds"],
        timeout=spec["startup_timeout_seconds"],
        volumes=volumes,
        secrets=[modal.Secret.from_name(spec["huggingface_secret"])],
    )
    @modal.concurrent(max_inputs=spec["max_concurrent_inputs"])
    @modal.web_server(
        port=spec["port"],
        startup_timeout=spec["startup_timeout_seconds"],
        requires_proxy_auth=spec["requires_proxy_auth"],
    )
    def serve() -> None:
        # Modal waits until the port answers; vLLM's own log shows the load progress.
        subprocess.Popen(spec["vllm_command"])

    return app


def _module_app() -> Any:
    """The module-level app 'modal deploy' looks for; None where the Modal client is not installed."""
    try:
        import modal  # noqa: PLC0415 - imported lazily on purpose
    except ImportError:
        return None
    path = spec_path()
    return build_app(load_spec(path), modal, path)


app = _module_app()
