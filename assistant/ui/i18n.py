"""Interface strings in German and English.

The corpus and most users are German, but the assistant answers English
questions too, so the interface speaks both. Strings live in one table
rather than scattered literals so that switching the language can relabel
every component in one event, and a missing translation fails a unit test
instead of showing up as a half-translated screen.
"""

from __future__ import annotations

from typing import Literal

UiLang = Literal["de", "en"]
LANGS: tuple[UiLang, ...] = ("de", "en")
DEFAULT_LANG: UiLang = "de"

STRINGS: dict[str, dict[UiLang, str]] = {
    "app_title": {"de": "Gipfel-Assistent", "en": "Summit assistant"},
    "app_subtitle": {
        "de": "Fragen zur Pressemitteilung – jede Antwort mit geprüften Quellen, alles offline.",
        "en": "Questions about the press release – every answer with checked sources, fully offline.",
    },
    # tabs
    "tab_chat": {"de": "Chat", "en": "Chat"},
    "tab_viewer": {"de": "Dokument", "en": "Document"},
    "tab_corpus": {"de": "Korpus", "en": "Corpus"},
    "tab_eval": {"de": "Evaluation", "en": "Evaluation"},
    "tab_settings": {"de": "Einstellungen", "en": "Settings"},
    # chat
    "question_label": {"de": "Ihre Frage", "en": "Your question"},
    "question_placeholder": {
        "de": "Fragen Sie auf Deutsch oder Englisch, z. B. „Wer hat die Pressemitteilung verfasst?“",
        "en": "Ask in German or English, e.g. “Who wrote the press release?”",
    },
    "ask": {"de": "Fragen", "en": "Ask"},
    "new_chat": {"de": "Neue Unterhaltung", "en": "New conversation"},
    "examples": {"de": "Beispielfragen", "en": "Example questions"},
    "empty_chat": {
        "de": "Stellen Sie eine Frage zum Dokument. Antworten nennen ihre Quellen mit [1], [2] …",
        "en": "Ask a question about the document. Answers cite their sources as [1], [2] …",
    },
    "you": {"de": "Sie", "en": "You"},
    "assistant": {"de": "Assistent", "en": "Assistant"},
    "searching": {"de": "Suche passende Textstellen …", "en": "Searching the document …"},
    "found_passages": {
        "de": "{n} Textstellen gefunden, Antwort wird geschrieben …",
        "en": "{n} passages found, writing the answer …",
    },
    "queue": {"de": "Warteschlange: Platz {n}", "en": "Queue: position {n}"},
    "sources": {"de": "Quellen", "en": "Sources"},
    "open_in_viewer": {"de": "Im Dokument zeigen", "en": "Show in document"},
    "refused": {"de": "Keine Antwort im Text", "en": "Not answered by the text"},
    "maybe": {"de": "Vielleicht suchen Sie:", "en": "You may be looking for:"},
    "notes": {"de": "Wie diese Antwort geprüft wurde", "en": "How this answer was checked"},
    "checked": {"de": "Geprüfte Antwort (ersetzt den Entwurf)", "en": "Checked answer (replaces the draft)"},
    "timing": {"de": "{backend} · {model} · {seconds} s", "en": "{backend} · {model} · {seconds} s"},
    "feedback_prompt": {"de": "War die Antwort hilfreich?", "en": "Was this answer helpful?"},
    "feedback_comment": {"de": "Kommentar (optional)", "en": "Comment (optional)"},
    "feedback_thanks": {"de": "Danke für Ihr Feedback!", "en": "Thank you for your feedback!"},
    "feedback_up": {"de": "Hilfreich", "en": "Helpful"},
    "feedback_down": {"de": "Nicht hilfreich", "en": "Not helpful"},
    "error": {"de": "Fehler", "en": "Error"},
    "internal_error": {
        "de": "Unerwarteter Fehler; Details stehen im Server-Log.",
        "en": "Unexpected error; details are in the server log.",
    },
    "active": {
        "de": "Sprachmodell: {backend} · Textstellen: {n} · Antwortsprache: {answer_lang}",
        "en": "Language model: {backend} · passages: {n} · answer language: {answer_lang}",
    },
    "empty_question": {"de": "Bitte geben Sie eine Frage ein.", "en": "Please enter a question."},
    # viewer
    "document": {"de": "Dokument", "en": "Document"},
    "doc_summary": {"de": "Zusammenfassung", "en": "Summary"},
    "viewer_empty": {
        "de": "Klicken Sie in einer Antwort auf eine Quelle [n], um die Textstelle hier zu sehen.",
        "en": "Click a source [n] in an answer to see the passage here.",
    },
    "meta_title": {"de": "Titel", "en": "Title"},
    "meta_author": {"de": "Autorin/Autor", "en": "Author"},
    "meta_date": {"de": "Datum", "en": "Date"},
    "meta_publisher": {"de": "Herausgeber", "en": "Publisher"},
    "meta_url": {"de": "Link", "en": "Link"},
    "meta_source": {"de": "Datei", "en": "File"},
    # corpus
    "corpus_docs": {"de": "Dokumente im Korpus", "en": "Documents in the corpus"},
    "col_file": {"de": "Datei", "en": "File"},
    "col_title": {"de": "Titel", "en": "Title"},
    "col_type": {"de": "Typ", "en": "Type"},
    "col_size": {"de": "Größe", "en": "Size"},
    "col_chunks": {"de": "Abschnitte im Index", "en": "Chunks in the index"},
    "upload": {
        "de": "Dokument hinzufügen (.txt, .md, .pdf, .html; max. 20 MB)",
        "en": "Add a document (.txt, .md, .pdf, .html; max. 20 MB)",
    },
    "upload_button": {"de": "Hochladen und indexieren", "en": "Upload and index"},
    "remove_label": {"de": "Dokument entfernen", "en": "Remove a document"},
    "remove_button": {"de": "Entfernen und neu indexieren", "en": "Remove and re-index"},
    "rebuild_button": {"de": "Index neu aufbauen", "en": "Rebuild the index"},
    "no_file": {"de": "Bitte zuerst eine Datei wählen.", "en": "Please choose a file first."},
    "admin_only": {
        "de": "Nur ein Admin darf den Korpus ändern (Anmeldung als „admin“ mit einem Admin-Schlüssel).",
        "en": "Only an admin may change the corpus (log in as “admin” with an admin key).",
    },
    "no_doc": {"de": "Bitte ein Dokument wählen.", "en": "Please choose a document."},
    "added": {
        "de": "„{name}“ hinzugefügt: {embedded} neue Texte eingebettet, {kept} Dokumente übernommen; "
        "Index mit {chunks} Abschnitten in {seconds} s gebaut.",
        "en": "Added “{name}”: {embedded} new texts embedded, {kept} documents kept; "
        "index of {chunks} chunks built in {seconds} s.",
    },
    "removed": {
        "de": "„{name}“ entfernt: Index mit {chunks} Abschnitten in {seconds} s neu gebaut, nichts neu eingebettet.",
        "en": "Removed “{name}”: index of {chunks} chunks rebuilt in {seconds} s, nothing re-embedded.",
    },
    "skipped_files": {
        "de": "Nicht im Index (Datei nicht lesbar): {files}",
        "en": "Not in the index (file unreadable): {files}",
    },
    "rebuilt": {
        "de": "Index neu gebaut: {chunks} Abschnitte in {seconds} s.",
        "en": "Index rebuilt: {chunks} chunks in {seconds} s.",
    },
    "exists": {
        "de": "„{name}“ ist schon im Korpus. Bitte zuerst entfernen oder umbenennen.",
        "en": "“{name}” is already in the corpus. Remove or rename it first.",
    },
    "last_doc": {
        "de": "Das letzte Dokument kann nicht entfernt werden.",
        "en": "The last document cannot be removed.",
    },
    "index_unchanged": {"de": "Der Index ist unverändert.", "en": "The index is unchanged."},
    # eval
    "eval_set": {"de": "Evaluationsdatensatz", "en": "Eval set"},
    "eval_backend": {"de": "Backend für den Lauf", "en": "Backend for the run"},
    "eval_limit": {"de": "Höchstens so viele Fälle (0 = alle)", "en": "At most this many cases (0 = all)"},
    "eval_run": {"de": "Evaluation starten", "en": "Run evaluation"},
    "eval_stop": {"de": "Abbrechen", "en": "Stop"},
    "eval_report": {"de": "HTML-Bericht", "en": "HTML report"},
    "eval_failures": {"de": "Fehlgeschlagene Fälle", "en": "Failed cases"},
    "eval_none": {"de": "Keine Evaluationsdateien in {dir}.", "en": "No eval files in {dir}."},
    "eval_issues": {
        "de": "{n} fehlerhafte Zeilen übersprungen: {first}",
        "en": "{n} malformed lines skipped: {first}",
    },
    "eval_stopped": {"de": "Evaluation abgebrochen.", "en": "Evaluation stopped."},
    "eval_idle": {"de": "Noch kein Lauf in dieser Sitzung.", "en": "No run in this session yet."},
    "col_case": {"de": "Fall", "en": "Case"},
    "col_question": {"de": "Frage", "en": "Question"},
    "col_answer": {"de": "Antwort", "en": "Answer"},
    "col_expected": {"de": "Erwartet", "en": "Expected"},
    "col_problem": {"de": "Problem", "en": "Problem"},
    # settings
    "backend": {"de": "Sprachmodell", "en": "Language model"},
    "backend_local15": {"de": "Lokal: Qwen2.5-Coder 1.5B (llama.cpp)", "en": "Local: Qwen2.5-Coder 1.5B (llama.cpp)"},
    "backend_local05": {"de": "Lokal: Qwen2.5-Coder 0.5B (schneller)", "en": "Local: Qwen2.5-Coder 0.5B (faster)"},
    "backend_extractive": {
        "de": "Extraktiv (ohne Sprachmodell, zitiert Sätze)",
        "en": "Extractive (no language model, quotes sentences)",
    },
    "backend_ollama": {"de": "Ollama-Server", "en": "Ollama server"},
    "backend_openai": {"de": "OpenAI-kompatibler Server", "en": "OpenAI-compatible server"},
    "backend_fake": {"de": "Testmodell (skriptgesteuert)", "en": "Test model (scripted)"},
    "ollama_url": {"de": "Ollama-URL", "en": "Ollama URL"},
    "ollama_model": {"de": "Ollama-Modell", "en": "Ollama model"},
    "openai_url": {"de": "OpenAI-kompatible URL (…/v1)", "en": "OpenAI-compatible URL (…/v1)"},
    "openai_model": {"de": "Modellname auf dem Server", "en": "Model name on the server"},
    "passages": {"de": "Anzahl Textstellen pro Antwort", "en": "Number of passages per answer"},
    "answer_lang": {"de": "Antwortsprache", "en": "Answer language"},
    "answer_auto": {"de": "wie die Frage", "en": "same as the question"},
    "answer_de": {"de": "Deutsch", "en": "German"},
    "answer_en": {"de": "Englisch", "en": "English"},
    "ui_lang": {"de": "Sprache der Oberfläche", "en": "Interface language"},
    "settings_note": {
        "de": "Diese Einstellungen gelten nur für Ihre Sitzung (dieses Browserfenster).",
        "en": "These settings apply to your session (this browser tab) only.",
    },
}

# Choice labels shown in radios, keyed by their value.
BACKEND_KEYS = {
    "local-1.5b": "backend_local15",
    "local-0.5b": "backend_local05",
    "extractive": "backend_extractive",
    "ollama": "backend_ollama",
    "openai": "backend_openai",
    "fake": "backend_fake",
}
ANSWER_LANG_KEYS = {"auto": "answer_auto", "de": "answer_de", "en": "answer_en"}
UI_LANG_LABELS = {"de": "Deutsch", "en": "English"}


def t(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang`` (German when unknown), formatted with ``values``."""
    text = STRINGS[key][ui_lang(lang)]
    return text.format(**values) if values else text


def ui_lang(value: str | None) -> UiLang:
    """Coerce anything (a radio value, a header) to a supported interface language."""
    return "en" if value == "en" else "de"


def from_accept_language(header: str | None) -> UiLang:
    """The interface language a browser asks for first, German when neither is named.

    Why: a first visit should already speak the visitor's language; the
    Accept-Language header is the only hint available without asking.
    """
    for part in (header or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("de"):
            return "de"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANG
