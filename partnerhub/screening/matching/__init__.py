"""The sanctions name-matching engine. Pure Python: nothing here imports Django, so it can be benchmarked alone.

`types` holds the records the engine reads (list entries) and writes (hits); list parsers in
`partnerhub.screening.sources` produce `ListEntry` objects and the Django app stores and reloads them.
"""
