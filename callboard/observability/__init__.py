"""What an operator watches: Prometheus metrics (metrics.py, routes.py) and OpenTelemetry
traces (tracing.py)."""
