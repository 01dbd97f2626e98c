"""Allow `python -m recsvc`."""

from recsvc.cli import main

main()
