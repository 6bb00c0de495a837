"""Rule parameter sets as loaded through reviewed transactions (第六条): the only parameters computations use."""
