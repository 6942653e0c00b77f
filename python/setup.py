"""A platform wheel when the package carries the emulator's binary (scripts/build-wheel), a pure one otherwise."""
from pathlib import Path

from setuptools import setup

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools before 70.1
    from wheel.bdist_wheel import bdist_wheel

BUNDLED = Path(__file__).parent / "sagemaker_emulator" / "bin" / "sagemaker-emulator"


class PlatformWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = not BUNDLED.exists()

    def get_tag(self):
        python, abi, platform = super().get_tag()
        # The binary runs on any CPython: only the platform matters.
        return (python, abi, platform) if self.root_is_pure else ("py3", "none", platform)


setup(cmdclass={"bdist_wheel": PlatformWheel})
