"""The knowledge base: the entry loader and validator, Markdown and math rendering, and the demos' built results."""
