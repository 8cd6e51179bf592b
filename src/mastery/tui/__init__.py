"""The Textual door into Mastery: screens that ask the `Collection` for plain data."""
