"""Application services: one per group of use cases. They load aggregates through the domain's
ports, apply domain rules, and commit through a unit of work. No HTTP, no SQL."""
