"""Logs, log context and Prometheus metrics: what an operator sees of a running drillbot."""
