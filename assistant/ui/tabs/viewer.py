"""The document viewer tab: one original document, its cited spans marked.

A citation click in the chat tab fills the viewer and switches to it;
the browser then has to scroll the clicked span into view, which only
JavaScript can do, and only once the new HTML is on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.ui import render
from assistant.ui.i18n import t
from assistant.ui.session import SessionState, Viewer
from assistant.ui.shared import Page, Shared, field_label

# Retries because Gradio swaps the HTML in after the event returns; offsetParent is null until
# the viewer tab is visible.
SCROLL_JS = f"""
() => {{
  let tries = 0;
  const go = () => {{
    const el = document.getElementById('{render.TARGET_ID}');
    const box = el ? el.closest('pre.doc-text') : null;
    if (el && box && el.offsetParent !== null) {{
      box.scrollTop = Math.max(0, el.offsetTop - box.clientHeight / 3);
      box.scrollIntoView({{block: 'nearest'}});
    }} else if (tries++ < 40) {{ setTimeout(go, 100); }}
  }};
  setTimeout(go, 80);
}}
"""


@dataclass(frozen=True)
class ViewerView:
    doc_pick: gr.Dropdown
    viewer: gr.HTML


class ViewerTab:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def layout(self, lang: str) -> ViewerView:
        doc_pick = self.shared.label(
            gr.Dropdown(self.shared.doc_choices(), label=t("document", lang), elem_id="doc-pick", interactive=True),
            field_label("document"),
        )
        viewer = gr.HTML(render.viewer_empty_html(lang), elem_id="viewer")
        return ViewerView(doc_pick, viewer)

    def wire(self, view: ViewerView, page: Page) -> None:
        view.doc_pick.input(self.pick_document, [page.state, view.doc_pick], [view.viewer, page.state])

    def pick_document(self, state: SessionState | None, source: str | None) -> tuple[Any, ...]:
        state = self.shared.session(state)
        state.viewer = Viewer(source or "")
        return self.shared.viewer_html(state), state
