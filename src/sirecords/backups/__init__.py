"""Backups (issue #13, first slice): encrypted, signed copies of the database and of SIRECORDS_HOME's files in a
local folder target; verify, restore and the restore drill. See docs/operations.md, "Backups and restore drills"."""
