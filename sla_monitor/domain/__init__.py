"""The SLA rules, pure: plain values in, plain values out; nothing here imports a database, web or metrics library."""
