"""The MutableMapping contract and Go's semantics, with ``dict`` as the oracle for
contents and ``check_invariants()`` after every step.

One suite, :class:`MapContract`, is run against every map configuration (as
cachetools runs one test mixin against every cache): ``GoMap`` on each engine of
the registry, on each Swiss key kind (the typed fast paths that prune tombstones,
the generic path that does not), with heap accounting on and off.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from gomap import GoMap, MapFatalError
from tests.support.contract import MapContract


# --- the configurations ---------------------------------------------------------------
class TestClassic(MapContract):
    impl = "classic"


class TestClassicAccounted(MapContract):
    impl = "classic"
    options: ClassVar[dict[str, Any]] = {"track_memory": True}


class TestClassicPython(MapContract):
    """The classic engine's Python reference, whatever the default backend."""

    impl = "classic"
    options: ClassVar[dict[str, Any]] = {"backend": "python"}


class TestClassicAccountedPython(MapContract):
    impl = "classic"
    options: ClassVar[dict[str, Any]] = {"track_memory": True, "backend": "python"}


class TestSwissGeneric(MapContract):
    impl = "swiss"


class TestSwissGenericAccounted(MapContract):
    impl = "swiss"
    options: ClassVar[dict[str, Any]] = {"track_memory": True}


class TestSwissFast32(MapContract):
    impl = "swiss"
    options: ClassVar[dict[str, Any]] = {"key_kind": "fast32"}


class TestSwissFast64(MapContract):
    impl = "swiss"
    options: ClassVar[dict[str, Any]] = {"key_kind": "fast64"}


class TestSwissFast64Accounted(MapContract):
    impl = "swiss"
    options: ClassVar[dict[str, Any]] = {"key_kind": "fast64", "track_memory": True}


class TestSwissFaststr(MapContract):
    impl = "swiss"
    options: ClassVar[dict[str, Any]] = {"key_kind": "faststr"}


class TestSwissFast32Ptr(MapContract):
    impl = "swiss"
    options: ClassVar[dict[str, Any]] = {"key_kind": "fast32ptr"}


class TestSwissFast64Ptr(MapContract):
    impl = "swiss"
    options: ClassVar[dict[str, Any]] = {"key_kind": "fast64ptr", "go": "1.26"}


# Other Go releases (docs/VERSIONS.md): the switches keep the contract.
class TestSwissGo124(MapContract):
    impl = "swiss"
    options: ClassVar[dict[str, Any]] = {"key_kind": "fast64", "go": "1.24"}


class TestSwissGo126Accounted(MapContract):
    impl = "swiss"
    options: ClassVar[dict[str, Any]] = {"go": "1.26", "track_memory": True}


class TestClassicGo121Accounted(MapContract):
    impl = "classic"
    options: ClassVar[dict[str, Any]] = {"go": "1.21", "track_memory": True}


class TestClassicGo124(MapContract):
    impl = "classic"
    options: ClassVar[dict[str, Any]] = {"go": "1.24"}


def test_every_engine_and_key_kind_has_a_contract_configuration() -> None:
    configs = {(c.impl, c.options.get("key_kind", "generic"))
               for c in MapContract.__subclasses__()}
    from gomap.engines import ENGINES

    for name, spec in ENGINES.items():
        for kind in spec.key_kinds or ("generic",):
            assert (name, kind) in configs, f"no contract configuration for {name}/{kind}"


def test_bad_hint_and_impl_are_rejected() -> None:
    with pytest.raises(ValueError, match="hint must be >= 0"):
        GoMap(hint=-1)
    with pytest.raises(TypeError, match="hint must be an int"):
        GoMap(hint=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown map implementation 'rust'"):
        GoMap(impl="rust")



def test_fatal_errors_are_one_family() -> None:
    from gomap import (
        ConcurrentMapIterationWriteError,
        ConcurrentMapReadWriteError,
        ConcurrentMapWriteError,
    )

    for cls in (ConcurrentMapWriteError, ConcurrentMapReadWriteError,
                ConcurrentMapIterationWriteError):
        assert issubclass(cls, MapFatalError)
        assert str(cls()) == cls.go_message
