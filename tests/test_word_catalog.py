"""One bilingual word catalog: no Vietnamese string is typed in two modules.

Labels and sentences a reader sees live in ``eipgis/_words.py`` and are referenced by key. The scan
reads every module's string constants (docstrings and comments aside) with ``ast``, in composed
Unicode (NFC). Input vocabularies are data, not labels, and are allowed where they are listed
below: what a planner may write in a file (land-use synonyms, flow directions, yes/no cells).
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import eipgis

PACKAGE = Path(eipgis.__file__).resolve().parent

#: Letters only Vietnamese uses among the package's languages (with their marks), and đ.
VIETNAMESE = re.compile(
    "[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)

#: (module, name assigned): input vocabularies, matched against what planners write.
DATA: set[tuple[str, str]] = {
    ("landuse.py", "_WORDS"),
    ("landuse.py", "_CODES"),
    ("symbiosis/flows.py", "DIRECTIONS"),
    ("park.py", "truthy"),
    ("crs.py", "_PROVINCES"),
}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _data_nodes(tree: ast.AST, module: str) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if any((module, n) in DATA for n in names):
            found |= {id(n) for n in ast.walk(node)}
    return found


def vietnamese_literals(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Each Vietnamese string constant (NFC, stripped) → the modules that type it."""
    where: dict[str, set[str]] = defaultdict(set)
    for path in sorted(root.rglob("*.py")):
        module = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree) | _data_nodes(tree, module)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
                text = unicodedata.normalize("NFC", node.value).strip()
                if VIETNAMESE.search(text):
                    where[text].add(module)
    return where


def test_no_vietnamese_string_is_typed_in_two_modules():
    twice = {text: sorted(mods) for text, mods in vietnamese_literals().items() if len(mods) > 1}
    assert not twice, "move these to eipgis/_words.py and refer to them by key: " + "; ".join(
        f"{text!r} in {', '.join(mods)}" for text, mods in sorted(twice.items()))


def test_the_scan_finds_a_copy(tmp_path):
    """The scan itself: a label copied into a second module (also in decomposed form) is found."""
    (tmp_path / "a.py").write_text('"""Docstring: Khu công nghiệp."""\nX = {"vi": "Bộ tiêu chí"}\n',
                                   encoding="utf-8")
    decomposed = unicodedata.normalize("NFD", "Bộ tiêu chí")
    (tmp_path / "b.py").write_text(f'def f():\n    return "{decomposed} "\n', encoding="utf-8")
    (tmp_path / "c.py").write_text('"""Khu công nghiệp."""\nY = "Park"\n', encoding="utf-8")
    found = vietnamese_literals(tmp_path)
    assert found == {"Bộ tiêu chí": {"a.py", "b.py"}}
