"""Social insurance subsidies (第二条(二)): grants computed month by month from paid contributions."""
