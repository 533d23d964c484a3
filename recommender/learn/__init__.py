"""Learning from outcomes: training, model selection, evaluation, fairness, writing versions."""
