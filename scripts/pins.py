"""Print pyproject.toml's pinned dependencies (base, or dev) for `make lock`."""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
deps = project["dependencies"] if sys.argv[1] == "base" else project["optional-dependencies"]["dev"]
print("\n".join(deps))
