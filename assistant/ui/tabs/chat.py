"""The chat tab: questions in, streamed and cited answers out, citation clicks and 👍/👎.

An answer is computed by a worker :class:`~assistant.ui.queue.Job` while
the handler, a generator, redraws the transcript from its events, so
the visitor sees the place in line, the draft and then the checked
answer. Gradio can close a generator only at a ``yield``: the handler
yields now and then even with nothing new, so that cancelling (new
conversation, tab closed) frees the place in line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.answer.model import StreamEvent
from assistant.chat import MAX_TURNS
from assistant.errors import AssistantError
from assistant.ui import render
from assistant.ui.events import CiteClick, FeedbackClick
from assistant.ui.feedback import FeedbackStore
from assistant.ui.i18n import t
from assistant.ui.queue import Job, Ticket
from assistant.ui.session import Prefs, SessionState, Turn, Viewer
from assistant.ui.shared import Page, Shared, value_label
from assistant.ui.tabs.viewer import SCROLL_JS
from assistant.ui.transcript import transcript_html

log = logging.getLogger("assistant.ui")

CHAT_CONCURRENCY = 16  # answers in flight at once; the local model itself is shared through the LLMGate
IDLE_YIELD_S = 1.0
EXAMPLES = (
    "Auf wie viel Euro erhöht Deutschland seinen Verteidigungshaushalt 2026?",
    "Wer hat die Pressemitteilung verfasst?",
    "Welche Indo-Pazifik-Partner nahmen am Gipfel teil?",
    "How many allies does NATO have?",
    "What did Germany and Ukraine agree on in Ankara?",
)
# Clicks inside the transcript become Gradio events carrying plain numbers
# (the data-* attributes are integers we rendered), never markup; see assistant.ui.events.
TRANSCRIPT_JS = """
element.addEventListener('click', (ev) => {
  const el = ev.target.closest('[data-action]');
  if (!el || !element.contains(el)) return;
  const d = el.dataset;
  if (d.action === 'cite') {
    trigger('cite', {turn: Number(d.turn), n: Number(d.n), passage: -1});
  } else if (d.action === 'passage') {
    trigger('cite', {turn: Number(d.turn), n: 0, passage: Number(d.passage)});
  } else if (d.action === 'feedback') {
    const box = el.closest('.feedback');
    const input = box ? box.querySelector('.fb-comment') : null;
    trigger('feedback', {turn: Number(d.turn), rating: String(d.rating), comment: input ? input.value : ''});
  }
});
element.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && ev.target.classList && ev.target.classList.contains('fb-comment')) ev.preventDefault();
});
"""


@dataclass(frozen=True)
class ChatView:
    transcript: gr.HTML
    question: gr.Textbox
    ask: gr.Button
    new_chat: gr.Button
    active: gr.HTML
    examples: list[gr.Button]


class ChatTab:
    def __init__(self, shared: Shared, feedback: FeedbackStore) -> None:
        self.shared = shared
        self.feedback = feedback

    def layout(self, lang: str) -> ChatView:
        lab = self.shared.label
        transcript = gr.HTML(
            transcript_html([], lang), elem_id="transcript", js_on_load=TRANSCRIPT_JS, autoscroll=True, min_height=320
        )
        with gr.Row(equal_height=True):
            question = lab(
                gr.Textbox(
                    label=t("question_label", lang),
                    placeholder=t("question_placeholder", lang),
                    elem_id="question",
                    lines=1,
                    max_lines=4,
                    scale=8,
                    autofocus=True,
                ),
                lambda p: gr.update(
                    label=t("question_label", p.ui_lang), placeholder=t("question_placeholder", p.ui_lang)
                ),
            )
            ask = lab(gr.Button(t("ask", lang), variant="primary", elem_id="ask", scale=1), value_label("ask"))
        with gr.Row():
            new_chat = lab(
                gr.Button(t("new_chat", lang), size="sm", elem_id="new-chat", scale=0, min_width=220),
                value_label("new_chat"),
            )
            active = gr.HTML(render.active_html(self.shared.defaults, lang), elem_id="active-backend", scale=4)
        lab(gr.Markdown(f"**{t('examples', lang)}**"), lambda p: gr.update(value=f"**{t('examples', p.ui_lang)}**"))
        with gr.Row(elem_classes="examples-row"):
            examples = [gr.Button(q, size="sm", elem_classes="example") for q in EXAMPLES]
        return ChatView(transcript, question, ask, new_chat, active, examples)

    def wire(self, view: ChatView, page: Page) -> None:
        state = page.state
        out = [view.transcript, view.question, view.ask, state]
        opts: dict[str, Any] = {
            "concurrency_limit": CHAT_CONCURRENCY,
            "concurrency_id": "chat",
            "show_progress": "hidden",
        }
        asks: list[dict[str, Any]] = [
            view.question.submit(self.ask, [state, view.question], out, **opts),
            view.ask.click(self.ask, [state, view.question], out, **opts),
        ]
        asks += [b.click(self.ask, [state, b], out, **opts) for b in view.examples]
        view.new_chat.click(self.new_conversation, [state], out, cancels=asks)
        view.transcript.cite(self.open_citation, [state], [page.viewer, page.doc_pick, page.tabs, state]).then(
            None, js=SCROLL_JS
        )
        view.transcript.feedback(self.give_feedback, [state], [view.transcript, state])

    # -- answering ------------------------------------------------------------------
    def ask(self, state: SessionState | None, question: str | None) -> Generator[tuple[Any, ...], None, None]:
        """Stream one answer into the transcript: queue place, draft tokens, then the checked answer."""
        state = self.shared.session(state)
        lang = state.prefs.ui_lang
        text = (question or "").strip()
        if not text:
            gr.Warning(t("empty_question", lang))
            yield self.shared.transcript(state), gr.update(), gr.update(), state
            return
        turn = Turn(text)
        job = self._job(state.prefs, text, state.history())
        state.turns.append(turn)
        t0 = time.perf_counter()
        job.start()
        yield self.shared.transcript(state), gr.update(value="", interactive=False), gr.update(interactive=False), state
        try:
            idle_since = time.perf_counter()
            for batch in job.batches():
                changed = [self._apply(turn, item) for item in batch]  # a list: every event must be applied
                if any(changed):
                    turn.seconds = time.perf_counter() - t0
                    idle_since = time.perf_counter()
                    yield self.shared.transcript(state), gr.update(), gr.update(), state
                elif time.perf_counter() - idle_since > IDLE_YIELD_S:
                    # Hand control back now and then even with nothing new (say, while waiting in
                    # line): only at a yield can Gradio close this generator when the user cancels.
                    idle_since = time.perf_counter()
                    yield gr.skip(), gr.skip(), gr.skip(), state
        except AssistantError as err:
            turn.error = str(err)
            gr.Warning(str(err))
        except Exception:
            log.exception("answering %r failed", text)
            turn.error = t("internal_error", lang)
        finally:
            if job.running:
                log.info("answer %s abandoned (cancelled or tab closed); freeing its place", turn.id)
            job.cancel()
        turn.seconds = time.perf_counter() - t0
        turn.status = "error" if turn.error else "done"
        yield self.shared.transcript(state), gr.update(interactive=True), gr.update(interactive=True), state

    def _job(self, prefs: Prefs, text: str, history: list[tuple[str, str]]) -> Job:
        """The worker that asks the assistant; its events are queue places and stream events."""
        ticket = Ticket()

        def work(emit: Callable[[Any], None]) -> None:
            ticket.on_wait = lambda place: emit(("queue", place))
            stream = self.shared.engine.assistant(prefs, ticket).ask_stream(text, history)
            try:
                for event in stream:
                    emit(event)
            finally:
                stream.close()  # stops the LLM stream if we leave early

        job = Job(work, name="ui-answer")
        job.cancelled = ticket.cancelled  # cancelling the job (tab closed, new conversation) frees our place
        return job

    @staticmethod
    def _apply(turn: Turn, item: Any) -> bool:
        """Fold one worker event into the turn; True if the transcript changed."""
        if isinstance(item, tuple) and item and item[0] == "queue":
            turn.status, turn.place = "queue", int(item[1])
            return True
        if not isinstance(item, StreamEvent):
            return False
        if item.kind == "passages":
            turn.status, turn.passages_found = "writing", len(item.passages)
        elif item.kind == "token":
            turn.status = "writing"
            turn.draft += item.text
        elif item.answer is not None:
            turn.answer = item.answer
            turn.status = "done"
        return True

    def new_conversation(self, state: SessionState | None) -> tuple[Any, ...]:
        state = self.shared.session(state)
        state.reset()
        return self.shared.transcript(state), gr.update(value="", interactive=True), gr.update(interactive=True), state

    # -- clicks in the transcript -----------------------------------------------------
    def open_citation(self, state: SessionState | None, evt: gr.EventData) -> tuple[Any, ...]:
        """A click on [n] (or on an offered passage): show that span in the viewer and switch to it."""
        state = self.shared.session(state)
        nothing = (gr.update(), gr.update(), gr.update(), state)
        click = CiteClick.of(evt)
        if click is None:
            return nothing
        turn = state.turns[click.turn] if 0 <= click.turn < len(state.turns) else None
        answer = turn.answer if turn else None
        if answer is None:
            return nothing
        if 0 <= click.passage < len(answer.passages):
            chunk = answer.passages[click.passage].chunk
            state.viewer = Viewer(chunk.source, (), ((chunk.start, chunk.end),))
        else:
            cites = [c for c in answer.citations if c.n == click.n]
            if not cites:
                return nothing
            source = cites[0].source
            spans = tuple((c.start, c.end) for c in answer.citations if c.source == source)
            state.viewer = Viewer(source, spans, tuple((c.start, c.end) for c in cites))
        return self.shared.viewer_html(state), gr.update(value=state.viewer.source), gr.Tabs(selected="viewer"), state

    def give_feedback(self, state: SessionState | None, evt: gr.EventData) -> tuple[Any, ...]:
        """👍/👎 (+ comment) on one answer, appended to feedback.jsonl with what produced it."""
        state = self.shared.session(state)
        click = FeedbackClick.of(evt)
        index = click.turn
        turn = state.turns[index] if 0 <= index < len(state.turns) else None
        if turn is None or turn.answer is None or click.rating not in ("up", "down"):
            return gr.update(), state
        earlier = [(x.question, x.answer) for x in state.turns[:index] if x.answer is not None][-MAX_TURNS:]
        try:
            self.feedback.record(
                answer_id=turn.id,
                answer=turn.answer,
                rating=click.rating,
                comment=click.comment,
                history=[(q, a) for q, a in earlier if a is not None],
            )
        except OSError as err:
            log.exception("cannot store feedback")
            gr.Warning(f"{t('error', state.prefs.ui_lang)}: {err.strerror}")
            return gr.update(), state
        turn.feedback = click.rating
        gr.Info(t("feedback_thanks", state.prefs.ui_lang))
        return self.shared.transcript(state), state
