"""Background jobs: the Huey queue, its consumers, and enqueueing after a commit."""
