"""The knowledge base's entries (one Markdown file each) and the bilingual glossary, shipped as package data."""
