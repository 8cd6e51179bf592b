"""The SQL that writes the shared review tables, one module per table.

`cards.py` is the one writer of a card's schedule and queue flags (answers, undo, history
replay, suspend, bury) and turns card rows into `CardView`s; `reviews.py` is the one writer
of the review log. Services call these inside their own transaction: a module here never
opens one, so an action stays one transaction however many rows it writes.
"""
