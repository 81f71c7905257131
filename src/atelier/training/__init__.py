"""Running a session: attempts, progress with versioned exercises, recovery snapshots, metrics."""
