"""``python -m medcite.cli``."""

from medcite.cli import main

main()
