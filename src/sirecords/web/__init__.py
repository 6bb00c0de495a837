"""Staff web pages: server-rendered, Chinese first with English available, usable by keyboard."""
