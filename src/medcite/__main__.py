"""``python -m medcite``."""

from medcite.cli import main

main()
