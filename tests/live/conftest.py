"""The live layer is tried on the same agreement as the core: alice, bob and carol negotiating."""

from tests.agreements.conftest import agreement, version

__all__ = ["agreement", "version"]
