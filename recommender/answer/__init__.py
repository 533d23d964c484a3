"""Answering one person or a batch: numpy only; never imports `recommender.learn`."""
