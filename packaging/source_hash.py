"""A fingerprint of everything the Linux bundle is built from.

`packaging/build-linux` stores it next to the bundle it built (build/bundle/source-hash), and
tests/packaging reuses that bundle only while the fingerprint still matches, so an unchanged
tree is not frozen twice while any change to the code, the recipe or an installed library is.
"""

from __future__ import annotations

import hashlib
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The sources: the package with its data, the recipe, the desktop resources.
PATTERNS = ("dialer/**/*", "packaging/**/*", "resources/**/*", "pyproject.toml")


def source_hash(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    files = sorted(
        {
            path
            for pattern in PATTERNS
            for path in root.glob(pattern)
            if path.is_file() and "__pycache__" not in path.parts
        }
    )
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    # The libraries frozen into the bundle, and the interpreter. A set: the same distribution
    # is seen twice when the checkout's own dialer.egg-info is on sys.path too (pytest).
    dists = sorted({f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()})
    digest.update("\n".join([sys.version, *dists]).encode())
    return digest.hexdigest()


if __name__ == "__main__":
    print(source_hash())
