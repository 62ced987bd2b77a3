"""Operations: settings, storage of feedback and the query log, live reload, reports, evaluation, and demo lab runs."""
