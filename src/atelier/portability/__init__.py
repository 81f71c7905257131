"""Your data in and out: the export archive, its import, and moving in from other apps."""
