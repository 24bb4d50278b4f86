"""/report, /funnel and /abc: the numbers of a period, a pipeline's funnel, the clients."""
