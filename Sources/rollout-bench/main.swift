print("rollout-bench: not built yet")
