"""The clients other teams use, run against a real `callboard serve`."""
