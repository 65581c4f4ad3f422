"""Application assembly: the FastAPI app, access control, error handling, health checks."""
