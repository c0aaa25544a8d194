"""What the running service tells its operators: metrics and logs."""
