"""trackfit's recommender: no web, no database, in three layers whose arrows point one way.

    pack/    the pack format: parsing, validation, schema
    answer/  answering one person or a batch (numpy only)      -> pack
    learn/   outcomes, training, evaluation, fairness, writing  -> answer, pack

Importing this package loads nothing; import what you need from its layer.
"""
