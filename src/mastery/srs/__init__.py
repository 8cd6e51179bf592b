"""Spaced repetition behind the facade: one service per noun, each created once per profile
by `Collection` (Anki's pattern) and reached through it.

- `presets.py`: FSRS parameters (the profile's and each deck's own) and the schedulers built
  from them and the settings;
- `queue.py`: what is due today, daily limits applied, and which card comes next;
- `answers.py`: the answer buttons and recording an answer;
- `undo.py`: taking back the last answer, cram answer, suspension or burial;
- `overview.py`: the dashboard's figures and the review streak.

The FSRS formulas themselves live in `mastery.scheduler`, the only importer of `fsrs`.
"""
