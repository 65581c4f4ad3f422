"""The `nabd` command line."""
