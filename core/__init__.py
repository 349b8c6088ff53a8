"""What every planwatch package shares: the error base, the vocabulary and the names of shared things.

Nothing here imports another planwatch package; every other package may import this one.
"""
