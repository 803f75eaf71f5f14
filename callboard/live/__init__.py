"""Live delivery to connections: frames written to WebSockets, audiences, results shared by
subscribers. Beside schema/ (which knows it only through schema/live_delivery.py's
protocols); wired in app.py."""
