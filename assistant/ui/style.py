"""The app's stylesheet, kept apart from the HTML builders so that markup and looks change separately.

Only system fonts and the theme's CSS variables are used: the app runs
offline, and light and dark themes must both stay readable.
"""

CSS = """
.gradio-container { max-width: 1180px !important; margin: 0 auto; }
#app-title h1 { margin-bottom: 0; }
#app-title p { margin-top: 4px; color: var(--body-text-color-subdued); }
.transcript { display: flex; flex-direction: column; gap: 14px; padding: 4px; }
.transcript.empty .hint, .viewer.empty .hint { color: var(--body-text-color-subdued); font-style: italic; }
.turn { display: flex; flex-direction: column; gap: 6px; }
.msg { display: flex; flex-direction: column; max-width: 92%; }
.msg.user { align-self: flex-end; align-items: flex-end; }
.msg.bot { align-self: flex-start; }
.msg .who { font-size: 12px; color: var(--body-text-color-subdued); margin: 0 6px 2px; }
.msg .bubble { border-radius: 12px; padding: 10px 14px; line-height: 1.5; }
.msg.user .bubble { background: var(--color-accent-soft); }
.msg.bot .bubble { background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); }
.status { color: var(--body-text-color-subdued); font-style: italic; }
.status.queue { color: #b45309; font-weight: 600; font-style: normal; }
.draft { white-space: pre-wrap; }
.cursor { animation: blink 1s steps(1) infinite; color: var(--color-accent); }
@keyframes blink { 50% { opacity: 0; } }
button.cite { border: none; background: var(--color-accent-soft); color: var(--color-accent); border-radius: 6px;
  padding: 0 4px; margin: 0 1px; font-weight: 600; cursor: pointer; font-size: 0.9em; }
button.cite:hover { background: var(--color-accent); color: white; }
.sources { margin-top: 10px; border-top: 1px solid var(--border-color-primary); padding-top: 8px; }
.sources-title, .maybe-title { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
.sources ol { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 8px; }
.source-head .section { font-weight: 600; }
.source-head .src, .doc-meta code { color: var(--body-text-color-subdued); font-size: 12px; }
.transcript blockquote.passage { margin: 4px 0 2px 0 !important; padding: 6px 10px;
  border-left: 3px solid var(--color-accent);
  background: var(--background-fill-primary); font-size: 14px; color: var(--body-text-color); }
mark.hl { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
mark.hl.target { background: #fb923c; outline: 2px solid #ea580c; }
.sources li.source { margin: 0 !important; }
.source-head { margin-bottom: 2px; }
button.link, button.passage-link { border: none; background: none; color: var(--color-accent); cursor: pointer;
  padding: 0; font-size: 13px; text-decoration: underline; }
.refusal { padding: 6px 0; }
.refusal .badge { background: #fee2e2; color: #991b1b; border-radius: 6px; padding: 1px 8px; font-size: 12px;
  font-weight: 600; margin-right: 6px; }
.maybe { margin-top: 8px; }
.maybe ul { margin: 0; padding-left: 18px; }
.maybe .snippet { font-size: 13px; color: var(--body-text-color-subdued); }
.notes { margin-top: 6px; font-size: 12px; color: var(--body-text-color-subdued); }
.meta { margin-top: 6px; font-size: 11px; color: var(--body-text-color-subdued); }
.feedback { display: flex; align-items: center; gap: 6px; margin-top: 6px; font-size: 13px; flex-wrap: wrap; }
.fb.down .thumb { transform: rotate(180deg); }
.fb.up { color: #047857; }
.fb.down { color: #b91c1c; }
.feedback.done .fb { display: inline-flex; vertical-align: middle; }
.feedback button.fb { border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  border-radius: 8px; cursor: pointer; padding: 1px 8px; font-size: 15px; }
.feedback .fb-comment { flex: 1; min-width: 160px; font-size: 13px; padding: 3px 6px; border-radius: 6px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary); }
.feedback.done { color: #047857; }
.error-box { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; border-radius: 8px; padding: 8px 12px; }
.info-box { background: #ecfdf5; color: #065f46; border: 1px solid #a7f3d0; border-radius: 8px; padding: 8px 12px; }
.viewer table.doc-meta { border-collapse: collapse; margin-bottom: 10px; font-size: 14px; width: auto; }
.viewer table.doc-meta, .viewer table.doc-meta tr, .viewer table.doc-meta th, .viewer table.doc-meta td {
  border: none !important; background: none !important; }
.viewer table.doc-meta th, .viewer table.doc-meta td { padding: 1px 14px 1px 0 !important; }
.viewer .doc-meta th { text-align: left; padding: 2px 12px 2px 0; color: var(--body-text-color-subdued);
  font-weight: 500; }
.viewer .doc-summary { margin: 4px 0 12px; padding: 6px 12px; border-left: 3px solid var(--color-accent); }
.viewer .doc-summary h4 { margin: 0 0 4px; }
.viewer .doc-summary ul { margin: 0; padding-left: 18px; }
pre.doc-text { position: relative; white-space: pre-wrap; word-wrap: break-word; font-family: inherit;
  font-size: 15px; line-height: 1.6;
  max-height: 58vh; overflow-y: auto; padding: 12px 16px; border: 1px solid var(--border-color-primary);
  border-radius: 8px; background: var(--background-fill-primary); margin: 0; }
table.grid, table.grid tr { border-collapse: collapse; width: 100%; font-size: 14px; border: none !important; }
table.grid th, table.grid td { border: none !important; border-bottom: 1px solid var(--border-color-primary) !important;
  padding: 4px 8px !important; text-align: left; background: none !important; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 8px 14px; min-width: 110px;
  background: var(--background-fill-secondary); }
.card .v { font-size: 22px; font-weight: 700; }
.card .k { font-size: 12px; color: var(--body-text-color-subdued); }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts svg { width: calc(50% - 8px); min-width: 340px; height: auto; overflow: visible; }
.examples-row button { font-size: 13px !important; }
.active { font-size: 12px; color: var(--body-text-color-subdued); padding: 6px 2px; }
"""
