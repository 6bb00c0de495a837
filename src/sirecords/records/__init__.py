"""The personal rights record as people read it (`personal`: timeline, contributions, account statement,
contribution years, pension, subsidies) and the access log of every read of a person's data, hash-chained
(第二条, 第二十一条, 第二十三条)."""
