"""LLM backends behind one small protocol; ``factory.make_llm`` picks one."""
