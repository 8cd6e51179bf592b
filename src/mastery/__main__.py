"""`python -m mastery` runs the same entry point as the console script."""

from mastery.cli import main

raise SystemExit(main())
