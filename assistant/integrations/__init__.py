"""Adapters that let other frameworks use summit-assistant (``assistant.integrations.llama_index``).

Nothing is imported here, so that ``import assistant`` never pays for a framework.
"""
