"""One package per tracker: an I/O client and a pure mapping from payloads to `Issue`."""
