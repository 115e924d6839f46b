"""GitHub: reads over httpx (ETag-aware, one request per page), writes through PyGithub."""
