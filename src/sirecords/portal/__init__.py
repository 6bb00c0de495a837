"""The portal of the people a record belongs to (issue #10): insured persons' and employers' own accounts, their
activation, sign-in and API sessions."""
