"""Tests of the Modal side without Modal: the spec files the C# tests also check, and the app wiring on a fake client."""

from __future__ import annotations

import copy
import importlib
import json
import os
import pathlib
import py_compile
import sys
import tempfile
import unittest

HERE = pathlib.Path(__file__).resolve().parent
MODEL_SERVER = HERE.parent
GOLDEN = MODEL_SERVER.parent / "tests" / "Serving.Tests" / "Data" / "modal"
sys.path.insert(0, str(MODEL_SERVER))

import modal_app  # noqa: E402


def golden_specs() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(GOLDEN.glob("*.json"))}


class FakeModal:
    """Records what modal_app asks of Modal's client."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        fake = self

        class Image:
            def __init__(self, steps):
                self.steps = steps

            @staticmethod
            def debian_slim(python_version):
                return Image([("debian_slim", python_version)])

            def pip_install(self, *packages):
                return Image(self.steps + [("pip_install", packages)])

            def env(self, values):
                return Image(self.steps + [("env", values)])

            def add_local_file(self, local, remote):
                return Image(self.steps + [("add_local_file", local, remote)])

        class Volume:
            @staticmethod
            def from_name(name, create_if_missing=False):
                fake.calls.append(("volume", name, create_if_missing))
                return f"volume:{name}"

        class Secret:
            @staticmethod
            def from_name(name):
                fake.calls.append(("secret", name))
                return f"secret:{name}"

        class App:
            def __init__(self, name):
                fake.calls.append(("app", name))
                self.functions = {}

            def function(self, **options):
                def decorate(fn):
                    fake.calls.append(("function", options))
                    self.functions[fn.__name__] = fn
                    return fn

                return decorate

        def concurrent(max_inputs):
            def decorate(fn):
                fake.calls.append(("concurrent", max_inputs))
                return fn

            return decorate

        def web_server(**options):
            def decorate(fn):
                fake.calls.append(("web_server", options))
                return fn

            return decorate

        self.Image, self.Volume, self.Secret, self.App = Image, Volume, Secret, App
        self.concurrent, self.web_server = concurrent, web_server

    def call(self, kind):
        return [c for c in self.calls if c[0] == kind]


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
        self.assert_refused(lambda s: s.update(format=2), "unsupported spec format 2; this module reads format 1")

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
                            "'gpu' 'h100 x2' is not a Modal GPU string such as 'A100-80GB' or 'H100:2'")

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


class AppWiringTests(unittest.TestCase):
    def build(self, name):
        spec = golden_specs()[name]
        fake = FakeModal()
        app = modal_app.build_app(spec, fake, GOLDEN / f"{name}.json")
        return spec, fake, app

    def test_the_function_gets_the_profiles_gpu_timeouts_volumes_and_secret(self):
        spec, fake, _ = self.build("bf16-tp2-a100")
        (_, options), = fake.call("function")
        self.assertEqual(options["gpu"], "A100-80GB:2")
        self.assertEqual(options["scaledown_window"], 900)
        self.assertEqual(options["timeout"], spec["startup_timeout_seconds"])
        self.assertEqual(options["volumes"], {"/root/.cache/huggingface": "volume:aspire70b-hf-cache",
                                              "/root/.cache/vllm": "volume:aspire70b-vllm-cache"})
        self.assertEqual(options["secrets"], ["secret:huggingface-secret"])
        self.assertEqual(fake.call("app"), [("app", "aspire70b-bf16-tp2-a100")])
        self.assertEqual(fake.call("volume"), [("volume", "aspire70b-hf-cache", True), ("volume", "aspire70b-vllm-cache", True)])

    def test_the_web_server_is_proxy_authenticated_and_waits_for_the_weights(self):
        spec, fake, _ = self.build("awq-int4-a100")
        self.assertEqual(fake.call("web_server"), [("web_server", {"port": 8000, "startup_timeout": 980, "requires_proxy_auth": True})])
        self.assertEqual(fake.call("concurrent"), [("concurrent", spec["max_concurrent_inputs"])])

    def test_the_image_carries_the_spec_and_pins_vllm(self):
        _, fake, _ = self.build("fp8-h100")
        (_, options), = fake.call("function")
        steps = options["image"].steps
        self.assertEqual(steps[0], ("debian_slim", "3.12"))
        self.assertEqual(steps[1], ("pip_install", ("vllm==0.11.0", "hf_transfer==0.1.9")))
        self.assertEqual(steps[2], ("env", {"HF_HUB_ENABLE_HF_TRANSFER": "1", "ASPIRE70B_MODAL_SPEC": "/root/aspire70b-profile.json"}))
        self.assertEqual(steps[3], ("add_local_file", str(GOLDEN / "fp8-h100.json"), "/root/aspire70b-profile.json"))

    def test_serve_runs_exactly_the_specs_command(self):
        spec, _, app = self.build("int8-a100")
        started = []
        original = modal_app.subprocess.Popen
        modal_app.subprocess.Popen = lambda command: started.append(command)
        try:
            app.functions["serve"]()
        finally:
            modal_app.subprocess.Popen = original
        self.assertEqual(started, [spec["vllm_command"]])


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
