"""Sessions, recurring series and their occurrences, routines, classes, calendar."""
