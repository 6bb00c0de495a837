"""Contributions (第二条(二)): monthly rows per person, employer and insurance type, their
amounts computed by the rules engine, collected through reviewed batches (第五条, 第六条)."""
