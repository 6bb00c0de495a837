"""The JSON API (django-ninja): the transaction lifecycle and look-ups, for staff sessions and for
service accounts with tokens. Same services and the same permission checks as the pages."""
