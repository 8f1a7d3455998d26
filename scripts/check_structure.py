"""Keep ``assistant/`` small enough to hold in one's head.

Three rules from the code-health issue, checked on the syntax tree rather
than by grep so that strings and comments never count:

* no module is over ``MAX_MODULE_LINES`` lines;
* no function (or method) is over ``MAX_FUNCTION_LINES`` lines, decorators
  and docstring included, as a reader sees it;
* no code reads another object's private attribute: ``x._name`` where ``x``
  is not ``self`` or ``cls`` (dunder names such as ``__name__`` are public
  protocol, and a module's own ``_private`` names imported as ``mod._x`` are
  reach-ins too).

Run as ``python scripts/check_structure.py [paths...]``; it prints one line
per finding and exits 1 when there is any, so ``make lint`` fails.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
OWN = {"self", "cls"}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def findings(path: Path) -> Iterator[str]:
    """Every breach of the three rules in one file, as ``path:line: message``."""
    source = path.read_text(encoding="utf-8")
    lines = source.count("\n") + (0 if source.endswith("\n") else 1)
    if lines > MAX_MODULE_LINES:
        yield f"{path}:1: module has {lines} lines (at most {MAX_MODULE_LINES})"
    tree = ast.parse(source, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - first + 1
            if length > MAX_FUNCTION_LINES:
                yield f"{path}:{first}: function {node.name} has {length} lines (at most {MAX_FUNCTION_LINES})"
        elif isinstance(node, ast.Attribute) and _is_private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in OWN:
                continue
            yield f"{path}:{node.lineno}: reads private attribute {ast.unparse(node)!r} of another object"


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [Path(__file__).resolve().parent.parent / "assistant"]
    files = sorted(f for r in roots for f in ([r] if r.is_file() else r.rglob("*.py")))
    found = list(dict.fromkeys(line for f in files for line in findings(f)))
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} finding(s) in {len(files)} file(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
