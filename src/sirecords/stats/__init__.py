"""De-identified statistics (第十七条): aggregates over whitelisted dimensions, with small cells suppressed."""
