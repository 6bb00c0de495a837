"""The ledger entry kinds the benefits app writes: one grammar, noun.past_participle (tests/test_kinds.py)."""

ELIGIBILITY_APPROVED = "eligibility.approved"  # retirement was approved (第二条(三))
PENSION_AWARDED = "pension.awarded"  # a pension was awarded, computed by the engine
PENSION_SUSPENDED = "pension.suspended"  # a pension was suspended
PENSION_RESUMED = "pension.resumed"  # a pension was resumed
PENSION_ENDED = "pension.ended"  # a pension ended (death)
PENSION_ADJUSTED = "pension.adjusted"  # a pension was adjusted for a year
PENSION_PAYMENTS_MADE = "pension_payments.made"  # a month's pension payments were made, committed by their Merkle root
PENSION_RECOMPUTED = "pension.recomputed"  # an award's new version (重新核定 or a correction), with its back pay or overpayment
AWARD_CORRECTED = "award.corrected"  # a wrong award input corrected: the reversal of the version in force (maintenance log)
ACCOUNT_CLOSED = "account.closed"  # an individual account was closed at death before retirement
PENSION_WITHHELD = "pension.withheld"  # an award's payments held while a report that may stop it is examined (cross-checks)
PENSION_RELEASED = "pension.released"  # a hold released: the award is paid again, with the months held as back pay
PENSION_RESTORED = "pension.restored"  # a pension stopped for a death since revoked, paid again with the months stopped
OVERPAYMENT_CASE_OPENED = "overpayment_case.opened"  # a pension paid after a death, to be recovered: who received it, how much
OVERPAYMENT_RECOVERED = "overpayment.recovered"  # part of an overpayment recovered (account offset, repayment)
INSTALMENT_AGREEMENT_SIGNED = "instalment_agreement.signed"  # the receiver agreed to repay an overpayment in instalments
SURVIVOR_BENEFITS_PAID = "survivor_benefits.paid"  # a survivor applied: funeral grant, survivors' pension, inheritance paid
