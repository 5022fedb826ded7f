"""Rules about records and listings as of a day: periods, display, listing states."""
