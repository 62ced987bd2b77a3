"""Retrieval: normalisation, the glossary, lexical and dense indexes, the embedder, fusion, calibration, suggestions."""
