"""The command line, the HTTP API and the scheduler: they translate, and call services."""
