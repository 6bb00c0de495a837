"""The ledger entry kinds the registry app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

PERSON_REGISTERED = "person.registered"  # an insured person was registered (第二条(一))
PERSON_CHANGED = "person.changed"  # a person's details were changed
EMPLOYER_REGISTERED = "employer.registered"  # an employer was registered
EMPLOYER_CHANGED = "employer.changed"  # an employer's details were changed
EMPLOYMENT_STARTED = "employment.started"  # an employment period started
EMPLOYMENT_ENDED = "employment.ended"  # an employment period ended
CORRECTION_APPLIED = "correction.applied"  # a correction of the record (第十一条, 第十二条)
SUPPLEMENT_APPLIED = "supplement.applied"  # a supplement to the record (第十一条, 第十二条)
ID_NUMBER_CHANGED = "id_number.changed"  # public security changed a person's ID number; the old one still finds them
