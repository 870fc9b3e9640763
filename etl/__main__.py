"""Run the CLI as `python -m etl`."""
from etl.cli import main

main()
