"""The access log: every read of a person's data, hash-chained (第二十一条, 第二十三条)."""
