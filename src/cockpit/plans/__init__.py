"""Action plans as data: targets, trajectories, projections and status."""
