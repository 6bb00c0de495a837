"""Production settings: every value comes from the environment, with safe defaults.

DEBUG is off, cookies are secure, hosts must be listed, and security headers are sent.
Demo and test settings live beside this module and start from it.
"""

from sirecords.settings.base import *  # noqa: F401,F403
