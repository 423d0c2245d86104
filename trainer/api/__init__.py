"""JSON API for other systems; authenticated only by `Authorization: Bearer <token>`."""
