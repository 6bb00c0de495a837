"""Third-party, judicial and administrative queries (第十八条–第二十条, 第二十四条, 第二十九条): written applications,
reviewed, answered within their approved scope or refused with the reason; the register of recipients."""
