"""People-facing views built on the recommendation core: mentor matching and team skills.

Request-time domain code like :mod:`recsvc.recommend` (numpy, no HTTP); it reads the
bundle's skill state through a :class:`recsvc.recommend.Recommender` and its directory of
managers and volunteer mentors.
"""
