"""The API for alerts, plans and tasks, a module a concept."""
