"""Which local services answer: ``python -m tests.services postgres|redis`` exits 0 when up."""

from __future__ import annotations

import socket
import sys

PORTS = {"postgres": 5432, "redis": 6379}


def answers(service: str, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, PORTS[service]), timeout=1):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    name = sys.argv[1]
    up = answers(name)
    if name == "redis":
        print("redis://127.0.0.1:6379/15" if up else "")
        sys.exit(0)
    sys.exit(0 if up else 1)
