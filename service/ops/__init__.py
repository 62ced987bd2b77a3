"""Operations: the settings registry, storage of feedback and the query log, live reload, reports and evaluation."""
