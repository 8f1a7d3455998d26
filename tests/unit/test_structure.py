"""The structure check that `make lint` runs: it must flag what it promises to, and nothing else."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_structure.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_structure", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_structure"] = module
    spec.loader.exec_module(module)
    return module


def test_flags_a_long_function_a_long_module_and_a_reach_in(tmp_path: Path) -> None:
    cs = _script()
    body = "\n".join(f"    x{i} = {i}" for i in range(cs.MAX_FUNCTION_LINES))
    src = f"def long():\n{body}\n\n\ndef peek(other):\n    return other._secret\n"
    src += "\n" * (cs.MAX_MODULE_LINES - src.count("\n") + 1)
    f = tmp_path / "bad.py"
    f.write_text(src)
    found = list(cs.findings(f))
    assert any("function long" in x for x in found)
    assert any("other._secret" in x for x in found)
    assert any("module has" in x for x in found)


def test_own_private_names_and_dunders_are_fine(tmp_path: Path) -> None:
    cs = _script()
    f = tmp_path / "ok.py"
    f.write_text(
        "class A:\n    def __init__(self):\n        self._x = 1\n\n"
        "    @classmethod\n    def make(cls):\n        return cls._build()\n\n"
        "    def name(self):\n        return type(self).__name__\n"
    )
    assert list(cs.findings(f)) == []


def test_main_exits_non_zero_on_a_finding(tmp_path: Path) -> None:
    cs = _script()
    (tmp_path / "bad.py").write_text("def f(o):\n    return o._hidden\n")
    (tmp_path / "ok.py").write_text("x = 1\n")
    assert cs.main([str(tmp_path / "ok.py")]) == 0
    assert cs.main([str(tmp_path)]) == 1
