"""Write a run's ``results.json``, ``report.md`` and ``report.html``.

Everything is rendered from the ``results.json`` dict, not from live
objects, so an old run can be re-rendered (or a teammate's run viewed)
without re-running it.  The two renderings live in ``report_markdown``
and ``report_html``; this module only decides what goes where.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.evaluation.report_format import as_dict
from assistant.evaluation.report_html import render_html
from assistant.evaluation.report_markdown import render_markdown
from assistant.evaluation.runner import EvalRun


def write_report(results: EvalRun | Mapping[str, Any], out_dir: Path | str) -> dict[str, Path]:
    """Write results.json, report.md and report.html into ``out_dir``; return their paths."""
    res = as_dict(results)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "results.json", "markdown": out / "report.md", "html": out / "report.html"}
    paths["json"].write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(render_markdown(res), encoding="utf-8")
    paths["html"].write_text(render_html(res), encoding="utf-8")
    return paths
