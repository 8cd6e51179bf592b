"""The `mastery` command line: a thin door into the domain, like the TUI.

- `main.py`: the top-level parser, dispatch, and the one-line errors and exit codes;
- `common.py`: what several groups share (opening the profile, the clock, JSON and tables);
- `commands/<group>.py`: one module per command group (`review` and `cram`, `due`, `decks`,
  `card`, `goal`, `journal`, `mentor`, `team`, `stats` and `calibration`, `optimize` and
  `workload`, `backup` and `check`, `config`, `preset`, `profile`), each parser beside its
  handlers.

`main` is the console script (`mastery.cli:main`) and `python -m mastery`. Importing it here
makes `mastery.cli.main` the function rather than the module; code that needs the module
imports from it by name (`from mastery.cli.main import build_parser`).
"""

from mastery.cli.main import main

__all__ = ["main"]
