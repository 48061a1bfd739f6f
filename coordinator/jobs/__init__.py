"""Background jobs (the alert sweeper): each pass is a unit of work of its own."""
