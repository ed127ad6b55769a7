"""`python -m podium`: the command line."""

from .cli import main

main()
