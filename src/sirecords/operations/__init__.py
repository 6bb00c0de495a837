"""Operations on the record as a whole (第九条, 第二十五条): the results of backup readability checks and restore
drills, posted as ledger entries so that they are as tamper-evident as the record they protect."""
