"""The harness: many runs at once (levers, sensitivity, sweeps) on local or cluster workers."""
