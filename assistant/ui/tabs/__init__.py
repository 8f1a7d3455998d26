"""One module per tab: its layout, its handlers and its events.

Each tab is a class built from :class:`~assistant.ui.shared.Shared`, with
``layout`` (called inside the tab, returns the tab's components) and
``wire`` (called once every tab is laid out, because an event in one tab
may update a component of another; those are on
:class:`~assistant.ui.shared.Page`).
"""
