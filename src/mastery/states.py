"""Card states and ratings: the small shared vocabulary, importable without sqlmodel or fsrs.

States follow FSRS: 0 new, 1 learning, 2 review, 3 relearning. Ratings are Anki's 1-4.
"""

STATE_NEW = 0
STATE_LEARNING = 1
STATE_REVIEW = 2
STATE_RELEARNING = 3
STATE_NAMES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}

RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
