"""The type stubs: mypy --strict accepts a sample that uses the API, and
mypy.stubtest finds the stubs in agreement with the built module."""

from __future__ import annotations

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], capture_output=True, text=True, cwd=HERE, check=False
    )


def test_mypy_strict_accepts_a_sample_using_the_api() -> None:
    result = run("mypy", "--strict", "--no-incremental", str(HERE / "typing_sample.py"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_rejects_a_misuse() -> None:
    bad = HERE / "typing_misuse.txt"
    sample = HERE.parent / "build" / "typing_misuse.py"
    sample.parent.mkdir(exist_ok=True)
    sample.write_text(bad.read_text())
    result = run("mypy", "--strict", "--no-incremental", str(sample))
    assert result.returncode != 0
    assert 'Argument "timeout"' in result.stdout and '"access_token"' in result.stdout, result.stdout


def test_the_package_itself_passes_mypy_strict() -> None:
    result = run("mypy", "--strict", "--no-incremental", "-p", "m2mauth")
    assert result.returncode == 0, result.stdout + result.stderr


def test_stubs_match_the_extension_module_and_the_package() -> None:
    result = run("mypy.stubtest", "m2mauth", "--ignore-missing-stub")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_sample_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(HERE / "typing_sample.py")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
