"""No GPL in the installed dependency tree of an MIT project (issue 14, item 8).

The tree is walked from `wargame-sim`'s own Requires-Dist, with the `test` extra,
recursively (extras such as `dask[distributed]` followed), through importlib.metadata.
A distribution's licence is what it declares: its License-Expression (SPDX), its
`License ::` classifiers, and its License field (the first line when the field holds
a whole licence text). Licence files are not read: the numpy and scipy wheels bundle
the GCC runtime's notice (GPL-3.0 with the runtime library exception), which is no
GPL obligation on code that imports them.

LGPL would be acceptable: an LGPL library used unmodified, installed separately and
imported, places no licence on the code importing it. None is in the tree today
(December 2026, 89 distributions: MIT, BSD, Apache-2.0, PSF, ISC, MIT-CMU, and MPL-2.0 for
hypothesis, a test tool whose file-level copyleft binds only changes to its own files).
A distribution that declares no licence at all fails too: the rule could not see a GPL.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
from collections.abc import Callable
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = "wargame-sim"
GPL = re.compile(r"(?<![L\w])(A?GPL)|(?<!Lesser )(?<!Library )GENERAL PUBLIC LICEN[CS]E|\bAffero\b", re.IGNORECASE)


def requirement_tree(
    root: str, extras: frozenset[str], find: Callable[[str], metadata.Distribution] = metadata.distribution
) -> dict[str, metadata.Distribution]:
    """Every installed distribution `root` requires (with `extras`), recursively, by canonical name."""
    found: dict[str, metadata.Distribution] = {}
    followed: dict[str, frozenset[str]] = {}
    pending = [(root, extras)]
    while pending:
        name, wanted = pending.pop()
        key = canonicalize_name(name)
        if key in followed and wanted <= followed[key]:
            continue
        distribution = find(name)
        found[key] = distribution
        followed[key] = followed.get(key, frozenset()) | wanted
        environments = [{"extra": extra} for extra in sorted(wanted)] or [{"extra": ""}]
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or any(requirement.marker.evaluate(env) for env in environments):
                pending.append((requirement.name, frozenset(requirement.extras)))
    return found


def declared_licence(distribution: metadata.Distribution) -> str:
    """What a distribution says its licence is: expression, classifiers, and the License field's first line."""
    meta = distribution.metadata
    field = (meta.get("License") or "").strip()
    parts = [meta.get("License-Expression") or "", field.splitlines()[0] if field else ""]
    parts += [c.split("::", 1)[1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return "; ".join(part.strip() for part in parts if part.strip())


def gpl_licensed(tree: dict[str, metadata.Distribution]) -> dict[str, str]:
    """The distributions of a tree that declare a GPL or AGPL licence (LGPL passes), with what they declare."""
    return {name: text for name, dist in tree.items() if GPL.search(text := declared_licence(dist))}


def test_no_installed_dependency_of_the_project_is_gpl_licensed():
    tree = requirement_tree(ROOT, frozenset({"test"}))
    assert len(tree) > 40  # the walk reached the transitive tree (numpy, pandas, dask, jupyter's kernel...)
    assert {"salib", "scipy", "distributed", "pytest"} <= set(tree)
    assert gpl_licensed(tree) == {}
    assert [name for name, dist in tree.items() if not declared_licence(dist)] == []


def test_the_check_fails_when_a_gpl_package_is_required(tmp_path: Path):
    """Two real .dist-info folders: an app that requires PRIM, and PRIM's metadata as its 1.0.0 wheel has it."""
    _dist_info(tmp_path, "demo-app", "1.0", ["License: MIT", "Requires-Dist: PRIM>=1.0"])
    prim_licence = "License: GNU GENERAL PUBLIC LICENSE\n                               Version 3, 29 June 2007"
    _dist_info(tmp_path, "PRIM", "1.0.0", [prim_licence, "Requires-Dist: numpy"])
    _dist_info(tmp_path, "numpy", "2.0", ["License-Expression: BSD-3-Clause"])

    def find(name: str) -> metadata.Distribution:
        return next(metadata.distributions(name=name, path=[str(tmp_path)]))

    found = gpl_licensed(requirement_tree("demo-app", frozenset(), find))
    assert list(found) == ["prim"]


def test_the_licence_rule_passes_lgpl_and_permissive_licences_and_catches_every_gpl_spelling(tmp_path: Path):
    cases = {
        "License-Expression: GPL-3.0-or-later": True,
        "License-Expression: AGPL-3.0-only": True,
        "Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)": True,
        "License: GPLv2": True,
        "License-Expression: LGPL-2.1-or-later": False,
        "Classifier: License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": False,
        "License-Expression: MIT AND PSF-2.0": False,
        "License: Copyright (c) 2001-2002 Enthought, Inc.": False,
    }
    for k, (line, gpl) in enumerate(cases.items()):
        _dist_info(tmp_path, f"case{k}", "1.0", [line])
        dist = next(metadata.distributions(name=f"case{k}", path=[str(tmp_path)]))
        assert bool(gpl_licensed({f"case{k}": dist})) == gpl, line


def _dist_info(folder: Path, name: str, version: str, lines: list[str]) -> None:
    info = folder / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    header = ["Metadata-Version: 2.4", f"Name: {name}", f"Version: {version}"]
    (info / "METADATA").write_text("\n".join(header + lines) + "\n")
