"""Users, passwords, tokens, roles, athlete profiles and coach-athlete links."""
