"""A stand-in for Modal's Python client (1.x), strict where the real one is strict at import and deploy time.

Written for these tests from a reading of the client's source (modal-labs/modal-client: ``modal/app.py``
``App.__init__``/``App.function``, ``modal/_partial_function.py`` ``_PartialFunction``/``_concurrent``/``_web_server``,
``modal/_utils/function_utils.py`` ``FunctionInfo``/``is_global_object``/``parse_gpu_config``, ``modal/_functions.py``
``_Function.from_local``, ``modal/volume.py`` and ``modal/_utils/name_utils.py``, ``modal/secret.py``,
``modal/_image.py``) and of Modal's GPU guide (the GPU type names, which the server checks). It talks to no server: it
records what a deploy would register, and raises what the client raises, with the client's messages:

- a function Modal would have to import must be defined in global scope (``LocalFunctionError`` through
  ``FunctionInfo``, or ``InvalidError`` from ``App.function`` on a bare function), and not be a method;
- ``@app.function`` must be the outermost decorator: ``@modal.concurrent``/``@modal.web_server`` refuse to wrap a
  Function, and stacking one of them twice sets a parameter twice;
- ``App.function``, ``modal.concurrent`` and ``modal.web_server`` take keyword arguments by their real names only
  (an unknown or positional one is a ``TypeError``/``InvalidError``, as Python and the client make it), with the
  types their signatures declare and the checks ``_Function.from_local`` makes (``min_containers`` an int, not above
  ``max_containers``; ``scaledown_window`` > 0; ``timeout`` not None);
- ``@modal.concurrent`` needs ``max_inputs`` (checked when ``@app.function`` applies), ``target_inputs`` not above it;
- ``@modal.web_server`` needs a port 1–65535, a positive ``startup_timeout``, and wraps a synchronous function without
  parameters;
- volumes are ``Volume`` objects at absolute paths, none mounted twice; ``Volume.from_name`` checks the name;
  secrets are a list or tuple of ``Secret``;
- a GPU string is ``TYPE[:COUNT]`` with COUNT an integer (the client), TYPE one Modal offers (the server: T4, L4, A10,
  A10G, L40S, A100, A100-40GB, A100-80GB, RTX-PRO-6000, H100, H100!, H200, B200, B200+, case-insensitive) and at most
  8 GPUs (4 for A10).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import PurePosixPath
from typing import Any, Callable

from . import exception
from .exception import InvalidError, LocalFunctionError

GPU_TYPES = frozenset(
    {"T4", "L4", "A10", "A10G", "L40S", "A100", "A100-40GB", "A100-80GB", "RTX-PRO-6000", "H100", "H100!", "H200",
     "B200", "B200+", "ANY"}
)
_MAX_GPUS = {"A10": 4, "A10G": 4}
_SUPPORTED_PYTHON = frozenset({"3.9", "3.10", "3.11", "3.12", "3.13"})


def _is_global(qualname: str) -> bool:
    return "<locals>" not in qualname.split(".")


def _is_method(qualname: str) -> bool:
    rest = qualname.split("<locals>.")[-1]
    return len(rest.split(".")) > 1


def _check_object_name(name: Any, kind: str) -> None:
    if (
        not isinstance(name, str)
        or len(name) > 64
        or re.match(r"^[a-zA-Z0-9-_.]+$", name) is None
        or re.match(r"^ap-[a-zA-Z0-9]{22}$", name) is not None
    ):
        raise InvalidError(
            f"Invalid {kind} name: '{name}'.\n\nNames may contain only alphanumeric characters, dashes, periods, and"
            " underscores, must be shorter than 64 characters, and cannot conflict with App ID strings."
        )


def _check_int(name: str, value: Any, *, optional: bool = True) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidError(f"`{name}` must be an int, not {type(value).__name__}")


def parse_gpu(value: Any) -> tuple[str, int] | None:
    """Modal's reading of a GPU string: ``(TYPE, COUNT)``; raises what the client or the server would."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidError(f"Invalid GPU config: {value!r}. Value must be a string or `None`")
    count = 1
    gpu_type = value
    if ":" in value:
        gpu_type, count_text = value.split(":", 1)
        try:
            count = int(count_text)
        except ValueError:
            raise InvalidError(f"Invalid GPU count: {count_text}. Value must be an integer.") from None
    gpu_type = gpu_type.upper()
    if gpu_type not in GPU_TYPES:
        raise InvalidError(f"Invalid GPU type: {gpu_type}.")
    if not 1 <= count <= _MAX_GPUS.get(gpu_type, 8):
        raise InvalidError(f"Invalid GPU count for {gpu_type}: {count}.")
    return gpu_type, count


class Image:
    """An image definition: the steps it was built from, in order."""

    def __init__(self, steps: list[tuple]) -> None:
        self.steps = steps

    @staticmethod
    def debian_slim(python_version: str | None = None, force_build: bool = False) -> Image:
        if isinstance(python_version, float):
            raise TypeError("The `python_version` argument should be a string, not a float.")
        if python_version is not None:
            if not isinstance(python_version, str):
                raise InvalidError(f"Python version must be specified as a string, not {type(python_version).__name__}")
            if not re.match(r"^3(?:\.\d{1,2}){1,2}(rc\d*)?t?$", python_version):
                raise InvalidError(f"Invalid Python version: {python_version!r}")
            if ".".join(python_version.split(".")[:2]) not in _SUPPORTED_PYTHON:
                raise InvalidError(f"Unsupported Python version: {python_version!r}.")
        return Image([("debian_slim", python_version)])

    def pip_install(
        self,
        *packages: str | list[str],
        find_links: str | None = None,
        index_url: str | None = None,
        extra_index_url: str | None = None,
        pre: bool = False,
        extra_options: str = "",
        force_build: bool = False,
        env: dict[str, str | None] | None = None,
        secrets: Any = None,
        gpu: str | None = None,
    ) -> Image:
        flat: list[str] = []
        for package in packages:
            flat.extend(package if isinstance(package, list) else [package])
        if not all(isinstance(p, str) for p in flat):
            raise InvalidError("pip_install takes package names as strings")
        return Image(self.steps + [("pip_install", tuple(flat))])

    def env(self, vars: dict[str, str]) -> Image:  # noqa: A002 - the client's parameter name
        bad = [key for key, value in vars.items() if not isinstance(value, str)]
        if bad:
            raise InvalidError(f"Image ENV variables must be strings. Invalid keys: {bad}")
        return Image(self.steps + [("env", dict(vars))])

    def add_local_file(self, local_path: Any, remote_path: str, *, copy: bool = False) -> Image:
        if not PurePosixPath(remote_path).is_absolute():
            raise InvalidError("image.add_local_file() currently only supports absolute remote_path values")
        return Image(self.steps + [("add_local_file", str(local_path), remote_path)])


class Volume:
    """A named volume, referenced lazily as in the client."""

    def __init__(self, name: str, create_if_missing: bool) -> None:
        self.name = name
        self.create_if_missing = create_if_missing

    @staticmethod
    def from_name(
        name: str,
        *,
        environment_name: str | None = None,
        create_if_missing: bool = False,
        version: Any = None,
        create_options: Any = None,
        client: Any = None,
    ) -> Volume:
        _check_object_name(name, "Volume")
        return Volume(name, create_if_missing)

    def __repr__(self) -> str:
        return f"Volume.from_name({self.name!r})"


class Secret:
    """A named secret, referenced lazily as in the client."""

    def __init__(self, name: str) -> None:
        self.name = name

    @staticmethod
    def from_name(
        name: str,
        *,
        environment_name: str | None = None,
        required_keys: list[str] = [],  # noqa: B006 - the client's signature
        client: Any = None,
    ) -> Secret:
        if not isinstance(name, str) or not name:
            raise InvalidError("Secret.from_name needs a name")
        return Secret(name)

    def __repr__(self) -> str:
        return f"Secret.from_name({self.name!r})"


@dataclasses.dataclass
class _Params:
    web_server: dict[str, Any] | None = None
    max_concurrent_inputs: int | None = None
    target_concurrent_inputs: int | None = None

    def update(self, other: _Params) -> None:
        for field in dataclasses.fields(other):
            value = getattr(other, field.name)
            if value is not None:
                if getattr(self, field.name) is not None:
                    raise InvalidError(f"Cannot set `{field.name}` twice.")
                setattr(self, field.name, value)


class PartialFunction:
    """What a ``modal.*`` decorator makes of a function, for ``@app.function`` to take."""

    def __init__(self, raw_f: Callable[..., Any], flags: set[str], params: _Params) -> None:
        self.raw_f = raw_f
        self.flags = set(flags)
        self.params = params

    def stack(self, flags: set[str], params: _Params) -> PartialFunction:
        self.flags |= flags
        self.params.update(params)
        return self

    def validate(self, decorator: str, require_sync: bool = False, require_nullary: bool = False) -> None:
        if isinstance(self.raw_f, Function):
            raise InvalidError(
                f"Cannot stack `@modal.{decorator}` on top of `@app.function`. Hint: swap the order of the decorators."
            )
        if not callable(self.raw_f):
            raise InvalidError(f"The object wrapped by `@modal.{decorator}` must be callable.")
        if require_sync and inspect.iscoroutinefunction(self.raw_f):
            raise InvalidError(f"The `@modal.{decorator}` decorator can't be applied to an async function.")
        if require_nullary and any(p.name != "self" for p in inspect.signature(self.raw_f).parameters.values()):
            raise InvalidError(f"Functions decorated by `@modal.{decorator}` can't have parameters.")


def concurrent(
    _warn_parentheses_missing: Any = None,
    *,
    max_inputs: int | None = None,
    target_inputs: int | None = None,
) -> Callable[[Any], PartialFunction]:
    if _warn_parentheses_missing is not None:
        raise InvalidError(
            "Positional arguments are not allowed. Did you forget parentheses? Suggestion: `@modal.concurrent()`."
        )
    _check_int("max_inputs", max_inputs)
    _check_int("target_inputs", target_inputs)
    if max_inputs is not None and target_inputs is not None and target_inputs > max_inputs:
        raise InvalidError("`target_inputs` parameter cannot be greater than `max_inputs`.")
    params = _Params(max_concurrent_inputs=max_inputs, target_concurrent_inputs=target_inputs)

    def wrapper(obj: Any) -> PartialFunction:
        pf = obj.stack({"concurrent"}, params) if isinstance(obj, PartialFunction) else PartialFunction(obj, {"concurrent"}, params)
        pf.validate("concurrent")
        return pf

    return wrapper


def web_server(
    port: int,
    *,
    startup_timeout: float = 5.0,
    label: str | None = None,
    custom_domains: Any = None,
    requires_proxy_auth: bool = False,
) -> Callable[[Any], PartialFunction]:
    if isinstance(port, bool) or not isinstance(port, int) or port < 1 or port > 65535:
        raise InvalidError("First argument of `@web_server` must be a local port, such as `@web_server(8000)`.")
    if startup_timeout <= 0:
        raise InvalidError("The `startup_timeout` argument of `@web_server` must be positive.")
    if not isinstance(requires_proxy_auth, bool):
        raise InvalidError("`requires_proxy_auth` must be a bool")
    params = _Params(web_server={"port": port, "startup_timeout": startup_timeout, "label": label,
                                 "requires_proxy_auth": requires_proxy_auth})

    def wrapper(obj: Any) -> PartialFunction:
        pf = obj.stack({"web"}, params) if isinstance(obj, PartialFunction) else PartialFunction(obj, {"web"}, params)
        pf.validate("web_server", require_sync=True, require_nullary=True)
        return pf

    return wrapper


class Function:
    """A function registered with an App, as a deploy would create it."""

    def __init__(self, raw_f: Callable[..., Any], options: dict[str, Any], params: _Params) -> None:
        self.raw_f = raw_f
        self.options = options
        self.web_server = params.web_server
        self.max_concurrent_inputs = params.max_concurrent_inputs
        self.target_concurrent_inputs = params.target_concurrent_inputs
        self.gpu = parse_gpu(options["gpu"])

    def local(self, *args: Any, **kwargs: Any) -> Any:
        return self.raw_f(*args, **kwargs)


def _validate_volumes(volumes: Any) -> None:
    if not isinstance(volumes, dict):
        raise InvalidError("`volumes` must be a dict[str, Volume]")
    seen: dict[int, list[str]] = {}
    for path, volume in volumes.items():
        path = str(path)
        if not PurePosixPath(path).is_absolute():
            raise InvalidError(f"Volume {path} must be a canonical, absolute path.")
        if path == "/":
            raise InvalidError(f"Volume {path} cannot be mounted into root directory.")
        if not isinstance(volume, Volume):
            raise InvalidError(f"Object of type {type(volume)} mounted at '{path}' is not usable as a volume.")
        seen.setdefault(id(volume), []).append(path)
    for paths in seen.values():
        if len(paths) > 1:
            raise InvalidError(
                f"The same Volume cannot be mounted in multiple locations for the same function: {', '.join(paths)}"
            )


def _check_secrets(secrets: Any) -> None:
    if not isinstance(secrets, (list, tuple)) or not all(isinstance(s, Secret) for s in secrets):
        raise InvalidError("`secrets=` has to be a list or tuple of `modal.Secret` objects")


class App:
    """An app: its name and the functions a deploy would register."""

    def __init__(
        self,
        name: str | None = None,
        *,
        tags: dict[str, str] | None = None,
        image: Image | None = None,
        secrets: Any = (),
        volumes: dict[Any, Volume] | None = None,
        include_source: bool = True,
    ) -> None:
        if name is not None and not isinstance(name, str):
            raise InvalidError("Invalid value for `name`: Must be string.")
        _check_secrets(secrets)
        _validate_volumes(volumes or {})
        if image is not None and not isinstance(image, Image):
            raise InvalidError("`image=` has to be a `modal.Image` object")
        self.name = name
        self.registered_functions: dict[str, Function] = {}

    def function(
        self,
        _warn_parentheses_missing: Any = None,
        *,
        image: Image | None = None,
        schedule: Any = None,
        env: dict[str, str | None] | None = None,
        secrets: Any = None,
        gpu: str | list[str] | None = None,
        serialized: bool = False,
        network_file_systems: dict[Any, Any] | None = None,
        volumes: dict[Any, Volume] | None = None,
        cpu: float | tuple[float, float] | None = None,
        memory: int | tuple[int, int] | None = None,
        ephemeral_disk: int | None = None,
        min_containers: int | None = None,
        max_containers: int | None = None,
        buffer_containers: int | None = None,
        scaledown_window: int | None = None,
        proxy: Any = None,
        retries: Any = None,
        timeout: int = 300,
        startup_timeout: int | None = None,
        name: str | None = None,
        is_generator: bool | None = None,
        cloud: str | None = None,
        region: str | list[str] | None = None,
        routing_region: str | None = None,
        nonpreemptible: bool = False,
        enable_memory_snapshot: bool = False,
        block_network: bool = False,
        restrict_modal_access: bool = False,
        single_use_containers: bool = False,
        i6pn: bool | None = None,
        include_source: bool | None = None,
        experimental_options: dict[str, Any] | None = None,
    ) -> Callable[[Any], Function]:
        if isinstance(_warn_parentheses_missing, Image):
            raise InvalidError("`image` needs to be a keyword argument: `@app.function(image=image)`.")
        if _warn_parentheses_missing:
            raise InvalidError("Did you forget parentheses? Suggestion: `@app.function()`.")
        if image is not None and not isinstance(image, Image):
            raise InvalidError(f"Expected modal.Image object. Got {type(image)}.")
        _check_secrets(secrets or [])
        _validate_volumes(volumes or {})
        for gpu_option in gpu if isinstance(gpu, list) else [gpu]:
            parse_gpu(gpu_option)
        if timeout is None:
            raise InvalidError("The `timeout` parameter cannot be set to None: https://modal.com/docs/guide/timeouts")
        for option, value in (("timeout", timeout), ("startup_timeout", startup_timeout),
                              ("max_containers", max_containers), ("buffer_containers", buffer_containers),
                              ("scaledown_window", scaledown_window)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise InvalidError(f"`{option}` must be an int, not {type(value).__name__}")
        _check_int("min_containers", min_containers)
        if min_containers is not None and max_containers is not None and max_containers < min_containers:
            raise InvalidError(
                f"`min_containers` ({min_containers}) cannot be greater than `max_containers` ({max_containers})"
            )
        if scaledown_window is not None and scaledown_window <= 0:
            raise InvalidError("`scaledown_window` must be > 0")
        options = {
            "image": image, "gpu": gpu, "secrets": list(secrets or []), "volumes": dict(volumes or {}),
            "min_containers": min_containers, "max_containers": max_containers,
            "buffer_containers": buffer_containers, "scaledown_window": scaledown_window, "timeout": timeout,
            "startup_timeout": startup_timeout, "serialized": serialized,
        }

        def wrapped(f: Any) -> Function:
            if inspect.isclass(f):
                raise TypeError(
                    "The `@app.function` decorator cannot be used on a class. Please use `@app.cls` instead."
                )
            if isinstance(f, PartialFunction):
                raw_f = f.raw_f
                if _is_method(raw_f.__qualname__):
                    raise InvalidError("The `@app.function` decorator cannot be used on class methods.")
                # FunctionInfo: a function Modal imports (not serialized) must be defined in global scope.
                if not serialized and not _is_global(raw_f.__qualname__):
                    raise LocalFunctionError(
                        "Modal can only import functions defined in global scope unless they are `serialized=True`"
                    )
                if "concurrent" in f.flags and f.params.max_concurrent_inputs is None:
                    raise TypeError("`@modal.concurrent()` missing required argument: `max_inputs`.")
                if retries is not None and f.params.web_server is not None:
                    raise InvalidError("Web Functions do not support retries.")
                params = f.params
            else:
                if not serialized and not _is_global(f.__qualname__):
                    raise InvalidError(
                        "\nThe `@app.function` decorator must apply to functions in global scope,\n"
                        "unless `serialized=True` is set.\n"
                        "If trying to apply additional decorators, they may need to use `functools.wraps`.\n"
                    )
                if _is_method(f.__qualname__):
                    raise InvalidError("The `@app.function` decorator cannot be used on class methods.")
                raw_f, params = f, _Params()
            function = Function(raw_f, options, params)
            self.registered_functions[name or raw_f.__qualname__] = function
            return function

        return wrapped


__all__ = ["App", "Function", "Image", "InvalidError", "LocalFunctionError", "PartialFunction", "Secret", "Volume",
           "concurrent", "exception", "parse_gpu", "web_server"]
