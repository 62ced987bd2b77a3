"""Retrieval: normalisation, the glossary, the lexical and dense indexes, the embedder, fusion and calibration."""
