"""Tests of the Modal side without Modal: the spec files the C# tests also check, and a deploy-time import of\nmodal_app.py against a stand-in client as strict as Modal's (tests/modal_standin)."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import pathlib
import py_compile
import sys
import tempfile
import types
import unittest

HERE = pathlib.Path(__file__).resolve().parent
MODEL_SERVER = HERE.parent
GOLDEN = MODEL_SERVER.parent / "tests" / "Serving.Tests" / "Data" / "modal"
sys.path.insert(0, str(MODEL_SERVER))

import modal_app  # noqa: E402

from . import modal_standin  # noqa: E402
from .fixtures import nested_modal_app  # noqa: E402


def golden_specs() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(GOLDEN.glob("*.json"))}


class GoldenSpecTests(unittest.TestCase):
    def test_every_profile_has_a_golden_spec(self):
        self.assertEqual(
            sorted(golden_specs()),
            sorted(["awq-int4-a100", "awq-llama2-a100", "bf16-tp2-a100", "bf16-tp2-a100-guide", "fp8-h100",
                    "fp8-h100-guide", "gptq-llama2-a100", "int8-a100"]),
        )

    def test_every_golden_spec_loads_and_validates(self):
        for name in golden_specs():
            with self.subTest(profile=name):
                spec = modal_app.load_spec(GOLDEN / f"{name}.json")
                self.assertEqual(spec["profile"], name)
                self.assertEqual(spec["vllm_command"][:2], ["vllm", "serve"])

    def test_the_image_pins_the_specs_vllm(self):
        spec = golden_specs()["awq-int4-a100"]
        self.assertEqual(modal_app.image_packages(spec), ["vllm==0.11.0", "hf_transfer==0.1.9"])


class ValidationTests(unittest.TestCase):
    def setUp(self):
        self.spec = golden_specs()["fp8-h100"]

    def assert_refused(self, change, message):
        spec = copy.deepcopy(self.spec)
        change(spec)
        with self.assertRaises(modal_app.SpecError) as caught:
            modal_app.validate(spec)
        self.assertEqual(str(caught.exception), message)

    def test_an_unknown_format_is_refused(self):
        self.assert_refused(lambda s: s.update(format=1), "unsupported spec format 1; this module reads format 2")

    def test_a_missing_field_is_named(self):
        self.assert_refused(lambda s: s.pop("gpu"), "the deployment spec lacks 'gpu'")

    def test_a_flag_is_not_a_number(self):
        self.assert_refused(lambda s: s.update(port=True), "'port' must be of type int")

    def test_the_command_must_be_vllm_serve(self):
        self.assert_refused(lambda s: s.update(vllm_command=["python", "-m", "x"]),
                            "'vllm_command' must be a 'vllm serve MODEL ...' argument list of strings")

    def test_the_port_must_match(self):
        self.assert_refused(lambda s: s.update(port=9000), "'--port' in 'vllm_command' must match 'port' (9000)")

    def test_vllm_must_listen_on_every_interface_in_the_container(self):
        def loopback(s):
            s["vllm_command"][s["vllm_command"].index("--host") + 1] = "127.0.0.1"

        self.assert_refused(loopback, "vLLM must listen on 0.0.0.0 inside the container ('--host 0.0.0.0')")

    def test_an_api_key_never_travels_in_the_command_line(self):
        self.assert_refused(lambda s: s["vllm_command"].extend(["--api-key", "x"]),
                            "the API key must not be in the command line; Modal's proxy auth guards the endpoint")

    def test_a_gpu_string_modal_would_not_take_is_refused(self):
        self.assert_refused(lambda s: s.update(gpu="h100 x2"),
                            "'gpu' 'h100 x2' is not a Modal GPU string such as 'A100-80GB', 'H100!' or 'H100:2'")

    def test_modals_gpu_suffixes_and_counts_are_taken(self):
        for gpu in ("H100!", "B200+", "H100!:2", "RTX-PRO-6000", "A100-80GB:8"):
            with self.subTest(gpu=gpu):
                spec = copy.deepcopy(self.spec)
                spec["gpu"] = gpu
                modal_app.validate(spec)

    def test_container_bounds_must_be_ordered(self):
        self.assert_refused(lambda s: s.update(min_containers=2, max_containers=1),
                            "'min_containers' must be between 0 and 'max_containers'")
        self.assert_refused(lambda s: s.update(max_containers=0), "'max_containers' must be positive")

    def test_timeouts_must_be_positive(self):
        self.assert_refused(lambda s: s.update(startup_timeout_seconds=0), "'startup_timeout_seconds' must be positive")

    def test_a_missing_file_says_how_to_write_it(self):
        with self.assertRaises(modal_app.SpecError) as caught:
            modal_app.load_spec(pathlib.Path("/nonexistent/profile.json"))
        self.assertIn("deploy modal --profile NAME", str(caught.exception))

    def test_malformed_json_is_refused(self):
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "profile.json"
            path.write_text("{", encoding="utf-8")
            with self.assertRaises(modal_app.SpecError):
                modal_app.load_spec(path)


def deploy(spec_file: pathlib.Path) -> types.ModuleType:
    """Imports modal_app.py as 'modal deploy' does, with the stand-in as the Modal client and the spec at spec_file."""
    saved_modules = {name: sys.modules.get(name) for name in ("modal", "modal.exception")}
    saved_env = os.environ.get(modal_app.SPEC_ENV)
    sys.modules["modal"] = modal_standin
    sys.modules["modal.exception"] = modal_standin.exception
    os.environ[modal_app.SPEC_ENV] = str(spec_file)
    try:
        loader = importlib.util.spec_from_file_location("modal_app_deployed", MODEL_SERVER / "modal_app.py")
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
        return module
    finally:
        for name, previous in saved_modules.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
        if saved_env is None:
            del os.environ[modal_app.SPEC_ENV]
        else:
            os.environ[modal_app.SPEC_ENV] = saved_env


class DeployTests(unittest.TestCase):
    """modal_app.py imported as Modal's client imports it at deploy time."""

    def serve(self, name):
        module = deploy(GOLDEN / f"{name}.json")
        return golden_specs()[name], module, module.app.registered_functions["serve"]

    def test_the_served_function_is_at_module_level_so_modal_can_import_it(self):
        _, module, serve = self.serve("awq-int4-a100")
        self.assertEqual(serve.raw_f.__qualname__, "serve")
        self.assertIs(serve, module.serve)
        self.assertEqual(list(module.app.registered_functions), ["serve"])

    def test_the_function_gets_the_profiles_gpu_timeouts_volumes_and_secret(self):
        spec, module, serve = self.serve("bf16-tp2-a100")
        self.assertEqual(module.app.name, "aspire70b-bf16-tp2-a100")
        self.assertEqual(serve.gpu, ("A100-80GB", 2))
        self.assertEqual(serve.options["scaledown_window"], 900)
        self.assertEqual(serve.options["timeout"], spec["startup_timeout_seconds"])
        self.assertEqual({path: (v.name, v.create_if_missing) for path, v in serve.options["volumes"].items()},
                         {"/root/.cache/huggingface": ("aspire70b-hf-cache", True),
                          "/root/.cache/vllm": ("aspire70b-vllm-cache", True)})
        self.assertEqual([s.name for s in serve.options["secrets"]], ["huggingface-secret"])

    def test_scaling_is_bounded_by_the_spec(self):
        spec, _, serve = self.serve("fp8-h100")
        self.assertEqual((serve.options["min_containers"], serve.options["max_containers"]), (0, 1))
        self.assertEqual(serve.max_concurrent_inputs, spec["max_concurrent_inputs"])
        self.assertEqual(serve.max_concurrent_inputs, 16)

    def test_the_web_server_is_proxy_authenticated_and_waits_for_the_weights(self):
        _, _, serve = self.serve("awq-int4-a100")
        self.assertEqual(serve.web_server, {"port": 8000, "startup_timeout": 980, "label": None, "requires_proxy_auth": True})

    def test_the_image_carries_the_spec_and_pins_vllm(self):
        _, _, serve = self.serve("fp8-h100")
        self.assertEqual(serve.options["image"].steps, [
            ("debian_slim", "3.12"),
            ("pip_install", ("vllm==0.11.0", "hf_transfer==0.1.9")),
            ("env", {"HF_HUB_ENABLE_HF_TRANSFER": "1", "ASPIRE70B_MODAL_SPEC": "/root/aspire70b-profile.json"}),
            ("add_local_file", str(GOLDEN / "fp8-h100.json"), "/root/aspire70b-profile.json"),
        ])

    def test_serve_runs_exactly_the_specs_command(self):
        spec, module, serve = self.serve("int8-a100")
        started = []
        original = module.subprocess.Popen
        module.subprocess.Popen = lambda command: started.append(command)
        try:
            serve.local()
        finally:
            module.subprocess.Popen = original
        self.assertEqual(started, [spec["vllm_command"]])

    def test_every_golden_spec_deploys(self):
        for name in golden_specs():
            with self.subTest(profile=name):
                self.assertIn("serve", deploy(GOLDEN / f"{name}.json").app.registered_functions)

    def test_a_spec_with_modals_gpu_suffix_deploys(self):
        spec = golden_specs()["fp8-h100"]
        spec["gpu"] = "H100!"
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / "profile.json"
            path.write_text(json.dumps(spec), encoding="utf-8")
            self.assertEqual(deploy(path).app.registered_functions["serve"].gpu, ("H100!", 1))

    def test_the_old_nested_serve_is_refused_as_modal_refuses_it(self):
        # modal/_utils/function_utils.py, FunctionInfo.__init__: a non-serialized function whose __qualname__ has
        # '<locals>' raises LocalFunctionError with this message when @app.function takes the decorated partial.
        spec = golden_specs()["awq-int4-a100"]
        with self.assertRaises(modal_standin.LocalFunctionError) as caught:
            nested_modal_app.build_app(spec, modal_standin, GOLDEN / "awq-int4-a100.json")
        self.assertEqual(str(caught.exception),
                         "Modal can only import functions defined in global scope unless they are `serialized=True`")


def _serve() -> None:
    """A global, nullary function for the stand-in tests."""


class StandInTests(unittest.TestCase):
    """The stand-in refuses what Modal's client refuses (modal/app.py, modal/_partial_function.py, ...)."""

    def setUp(self):
        self.modal = modal_standin
        self.app = modal_standin.App("aspire70b-test")

    def refused(self, error, message, build):
        with self.assertRaises(error) as caught:
            build()
        if message is not None:
            self.assertEqual(str(caught.exception), message)

    def test_app_function_must_be_the_outermost_decorator(self):
        function = self.app.function()(_serve)
        self.refused(modal_standin.InvalidError,
                     "Cannot stack `@modal.concurrent` on top of `@app.function`. Hint: swap the order of the decorators.",
                     lambda: self.modal.concurrent(max_inputs=4)(function))
        self.refused(modal_standin.InvalidError,
                     "Cannot stack `@modal.web_server` on top of `@app.function`. Hint: swap the order of the decorators.",
                     lambda: self.modal.web_server(8000)(function))

    def test_a_bare_nested_function_is_refused(self):
        def nested():
            pass

        self.refused(modal_standin.InvalidError, None, lambda: self.app.function()(nested))
        self.app.function(serialized=True)(nested)

    def test_unknown_or_positional_parameters_are_refused(self):
        self.refused(TypeError, None, lambda: self.app.function(concurrency_limit=4))
        self.refused(TypeError, None, lambda: self.modal.concurrent(max_concurrent_inputs=4))
        self.refused(modal_standin.InvalidError,
                     "Positional arguments are not allowed. Did you forget parentheses? Suggestion: `@modal.concurrent()`.",
                     lambda: self.modal.concurrent(4))
        self.refused(TypeError, None, lambda: self.modal.web_server(8000, timeout=10))
        self.refused(modal_standin.InvalidError, "Did you forget parentheses? Suggestion: `@app.function()`.",
                     lambda: self.app.function(_serve))

    def test_concurrent_needs_max_inputs_at_or_above_the_target(self):
        self.refused(TypeError, "`@modal.concurrent()` missing required argument: `max_inputs`.",
                     lambda: self.app.function()(self.modal.concurrent(target_inputs=2)(_serve)))
        self.refused(modal_standin.InvalidError, "`target_inputs` parameter cannot be greater than `max_inputs`.",
                     lambda: self.modal.concurrent(max_inputs=2, target_inputs=3))

    def test_web_server_checks_its_port_timeout_and_function(self):
        self.refused(modal_standin.InvalidError,
                     "First argument of `@web_server` must be a local port, such as `@web_server(8000)`.",
                     lambda: self.modal.web_server("8000"))
        self.refused(modal_standin.InvalidError, "The `startup_timeout` argument of `@web_server` must be positive.",
                     lambda: self.modal.web_server(8000, startup_timeout=0))
        self.refused(modal_standin.InvalidError, "Functions decorated by `@modal.web_server` can't have parameters.",
                     lambda: self.modal.web_server(8000)(lambda x: x))

        async def asynchronous():
            pass

        self.refused(modal_standin.InvalidError, "The `@modal.web_server` decorator can't be applied to an async function.",
                     lambda: self.modal.web_server(8000)(asynchronous))

    def test_a_decorator_twice_sets_a_parameter_twice(self):
        self.refused(modal_standin.InvalidError, "Cannot set `max_concurrent_inputs` twice.",
                     lambda: self.modal.concurrent(max_inputs=2)(self.modal.concurrent(max_inputs=3)(_serve)))

    def test_container_bounds_and_windows_are_checked(self):
        self.refused(modal_standin.InvalidError, "`min_containers` (2) cannot be greater than `max_containers` (1)",
                     lambda: self.app.function(min_containers=2, max_containers=1))
        self.refused(modal_standin.InvalidError, "`min_containers` must be an int, not str",
                     lambda: self.app.function(min_containers="1"))
        self.refused(modal_standin.InvalidError, "`scaledown_window` must be > 0",
                     lambda: self.app.function(scaledown_window=0))
        self.refused(modal_standin.InvalidError, "`max_containers` must be an int, not float",
                     lambda: self.app.function(max_containers=1.5))

    def test_gpu_strings_are_checked_as_modal_checks_them(self):
        for gpu in ("H100", "h100!", "B200+", "A100-80GB:2", "RTX-PRO-6000", "L40S:8"):
            with self.subTest(gpu=gpu):
                self.app.function(gpu=gpu)
        self.refused(modal_standin.InvalidError, "Invalid GPU count: two. Value must be an integer.",
                     lambda: self.app.function(gpu="H100:two"))
        self.refused(modal_standin.InvalidError, "Invalid GPU type: H100 X2.", lambda: self.app.function(gpu="h100 x2"))
        self.refused(modal_standin.InvalidError, "Invalid GPU type: A100!.", lambda: self.app.function(gpu="A100!"))
        self.refused(modal_standin.InvalidError, "Invalid GPU count for H100: 9.", lambda: self.app.function(gpu="H100:9"))

    def test_volumes_and_secrets_are_modal_objects(self):
        volume = self.modal.Volume.from_name("cache", create_if_missing=True)
        self.refused(modal_standin.InvalidError, None, lambda: self.modal.Volume.from_name("bad name"))
        self.refused(TypeError, None, lambda: self.modal.Volume.from_name("cache", True))
        self.refused(modal_standin.InvalidError, None, lambda: self.app.function(volumes={"/data": "cache"}))
        self.refused(modal_standin.InvalidError, None, lambda: self.app.function(volumes={"data": volume}))
        self.refused(modal_standin.InvalidError,
                     "The same Volume cannot be mounted in multiple locations for the same function: /a, /b",
                     lambda: self.app.function(volumes={"/a": volume, "/b": volume}))
        self.refused(modal_standin.InvalidError, "`secrets=` has to be a list or tuple of `modal.Secret` objects",
                     lambda: self.app.function(secrets=["huggingface-secret"]))
        self.refused(TypeError, None, lambda: self.modal.Secret.from_name("huggingface-secret", ["HF_TOKEN"]))


class ModuleTests(unittest.TestCase):
    def test_the_module_compiles(self):
        py_compile.compile(str(MODEL_SERVER / "modal_app.py"), doraise=True)

    def test_without_the_modal_client_the_module_imports_and_has_no_app(self):
        if importlib.util.find_spec("modal") is not None:
            self.skipTest("the Modal client is installed here")
        self.assertIsNone(modal_app.app)

    def test_the_spec_path_follows_the_environment(self):
        previous = os.environ.get(modal_app.SPEC_ENV)
        os.environ[modal_app.SPEC_ENV] = "/tmp/x.json"
        try:
            self.assertEqual(modal_app.spec_path(), pathlib.Path("/tmp/x.json"))
        finally:
            if previous is None:
                del os.environ[modal_app.SPEC_ENV]
            else:
                os.environ[modal_app.SPEC_ENV] = previous
        self.assertEqual(modal_app.spec_path().name, "profile.json")


if __name__ == "__main__":
    unittest.main()
